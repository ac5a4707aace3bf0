package io.inferflow.cli.io;

import io.inferflow.jobs.kafka.AvroWireEncoder;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.Label;
import io.inferflow.jobs.kafka.KafkaClients;
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
    private final SchemaRegistryClient registry;
    private AvroWireEncoder<Label> labelEncoder;
    private String labelsTopic;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Exception lastError;

    public FeatureProducer(String bootstrap, String registryUrl, String topic) throws IOException {
        this(KafkaClients.plain(bootstrap), new SchemaRegistryClient(registryUrl), topic);
    }

    /** A producer with {@code kafka}'s credentials, registering schemas with {@code registry}. */
    public FeatureProducer(KafkaClients kafka, SchemaRegistryClient registry, String topic)
            throws IOException {
        this.topic = topic;
        this.registry = registry;
        this.encoder = new AvroWireEncoder<>(registry, topic, new FeatureEvent());
        this.producer =
                new KafkaProducer<>(
                        kafka.with(Map.of(
                                ProducerConfig.ACKS_CONFIG, "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                                ProducerConfig.LINGER_MS_CONFIG, "5",
                                ProducerConfig.CLIENT_ID_CONFIG, "inferflow-producer")),
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

    /**
     * From now on {@link #sendLabel} writes {@link Label}s (keyed by event id) to {@code
     * labelsTopic}, registering its schema there.
     */
    public FeatureProducer labelsTo(String labelsTopic) throws IOException {
        this.labelEncoder = new AvroWireEncoder<>(registry, labelsTopic, new Label());
        this.labelsTopic = labelsTopic;
        return this;
    }

    /** Whether {@link #labelsTo} was called. */
    public boolean sendsLabels() {
        return labelEncoder != null;
    }

    /** Sends the true outcome of event {@code eventId}; needs {@link #labelsTo} first. */
    public void sendLabel(String eventId, double label) throws IOException {
        if (labelEncoder == null) {
            throw new IllegalStateException("call labelsTo(...) before sendLabel");
        }
        Label record =
                Label.newBuilder()
                        .setEventId(eventId)
                        .setLabel(label)
                        .setLabeledAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                        .build();
        send(labelsTopic, eventId.getBytes(StandardCharsets.UTF_8), labelEncoder.encode(record));
    }

    /** Sends raw bytes as they are (for bad-input demos and tests). */
    public void sendRaw(byte[] key, byte[] value) {
        send(topic, key, value);
    }

    private void send(String toTopic, byte[] key, byte[] value) {
        producer.send(
                new ProducerRecord<>(toTopic, key, value),
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
