package io.inferflow.jobs.kafka;

import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.avro.ModelControl;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Decodes control records. A record that does not decode is logged as an error and skipped: a
 * bad control record must not stop the job (the pushing CLI then times out waiting for status).
 * Tombstones (compaction deletes) are skipped too.
 */
public final class ControlRecordDeserializer
        implements KafkaRecordDeserializationSchema<ModelControl> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ControlRecordDeserializer.class);

    private final DeserializationSchema<ModelControl> value;

    public ControlRecordDeserializer(String registryUrl) {
        this.value = ConfluentAvroSchemas.deserializer(ModelControl.class, registryUrl);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        value.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModelControl> out)
            throws IOException {
        if (record.value() == null) {
            return;
        }
        try {
            out.collect(value.deserialize(record.value()));
        } catch (IOException | RuntimeException e) {
            LOG.error(
                    "skipping control record {}-{}@{} that does not decode: {}",
                    record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    @Override
    public TypeInformation<ModelControl> getProducedType() {
        return new AvroTypeInfo<>(ModelControl.class);
    }
}
