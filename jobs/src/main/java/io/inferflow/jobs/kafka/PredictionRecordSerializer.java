package io.inferflow.jobs.kafka;

import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes a prediction keyed by its entity id, the value in the Confluent wire format. */
public final class PredictionRecordSerializer implements KafkaRecordSerializationSchema<Prediction> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializationSchema<Prediction> value;

    public PredictionRecordSerializer(String topic, String registryUrl) {
        this.topic = topic;
        this.value = ConfluentAvroSchemas.serializer(Prediction.class, registryUrl, topic);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sink)
            throws Exception {
        value.open(context);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            Prediction prediction, KafkaSinkContext context, Long timestamp) {
        byte[] key = prediction.getEntityId().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, timestamp, key, value.serialize(prediction));
    }
}
