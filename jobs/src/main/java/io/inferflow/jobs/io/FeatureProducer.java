package io.inferflow.jobs.io;

import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes feature events to Kafka in the Confluent wire format, optionally paced to a rate. The
 * reference producer behind {@code pipeline produce} and local mode's demo producer.
 */
public final class FeatureProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroWireEncoder<FeatureEvent> encoder;
    private final String topic;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Exception lastError;

    public FeatureProducer(String bootstrap, String registryUrl, String topic) throws IOException {
        this.topic = topic;
        this.encoder =
                new AvroWireEncoder<>(
                        new SchemaRegistryClient(registryUrl), topic, new FeatureEvent());
        this.producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ProducerConfig.ACKS_CONFIG, "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                                ProducerConfig.LINGER_MS_CONFIG, "5",
                                ProducerConfig.CLIENT_ID_CONFIG, "inferflow-producer"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
    }

    public static FeatureEvent event(
            String eventId, String entityId, String model, long eventTime, List<Float> features) {
        return FeatureEvent.newBuilder()
                .setEventId(eventId)
                .setEntityId(entityId)
                .setModel(model)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setFeatures(features)
                .build();
    }

    /** Sends one event keyed by its entity id; errors are counted, see {@link #failed()}. */
    public void send(FeatureEvent event) throws IOException {
        sendRaw(event.getEntityId().getBytes(StandardCharsets.UTF_8), encoder.encode(event));
    }

    /** Sends raw bytes as they are (for bad-input demos and tests). */
    public void sendRaw(byte[] key, byte[] value) {
        producer.send(
                new ProducerRecord<>(topic, key, value),
                (metadata, error) -> {
                    if (error == null) {
                        sent.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        lastError = error;
                    }
                });
    }

    public int schemaId() {
        return encoder.schemaId();
    }

    public void flush() {
        producer.flush();
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    public Exception lastError() {
        return lastError;
    }

    @Override
    public void close() {
        producer.close();
    }
}
