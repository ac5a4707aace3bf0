package io.inferflow.jobs.kafka;

import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.avro.specific.SpecificRecordBase;
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
 * Decodes the records of a topic the job's own parts write (control records, predictions, drift
 * counts). A record that does not decode is logged as an error and skipped: one bad record must
 * not stop the job (a bad control record then leaves the pushing CLI waiting for a status).
 * Tombstones (compaction deletes) are skipped too.
 */
public final class AvroRecordDeserializer<T extends SpecificRecordBase>
        implements KafkaRecordDeserializationSchema<T> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AvroRecordDeserializer.class);

    private final Class<T> type;
    private final DeserializationSchema<T> value;

    public AvroRecordDeserializer(Class<T> type, RegistrySettings registry) {
        this.type = type;
        this.value = ConfluentAvroSchemas.deserializer(type, registry);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        value.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out)
            throws IOException {
        if (record.value() == null) {
            return;
        }
        try {
            out.collect(value.deserialize(record.value()));
        } catch (IOException | RuntimeException e) {
            LOG.error(
                    "skipping {} record {}-{}@{} that does not decode: {}",
                    type.getSimpleName(), record.topic(), record.partition(), record.offset(),
                    e.toString());
        }
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return new AvroTypeInfo<>(type);
    }
}
