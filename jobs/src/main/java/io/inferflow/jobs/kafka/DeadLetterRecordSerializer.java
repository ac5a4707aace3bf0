package io.inferflow.jobs.kafka;

import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.avro.DeadLetter;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.ByteBuffer;

/** Writes a dead letter under the original record's key, the value in the Confluent wire format. */
public final class DeadLetterRecordSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializationSchema<DeadLetter> value;

    public DeadLetterRecordSerializer(String topic, String registryUrl) {
        this.topic = topic;
        this.value = ConfluentAvroSchemas.serializer(DeadLetter.class, registryUrl, topic);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sink)
            throws Exception {
        value.open(context);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, null, timestamp, bytes(letter.getKey()), value.serialize(letter));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
