package io.inferflow.cli;

import io.inferflow.jobs.kafka.AvroWireEncoder;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Produces feature events and remembers, per event id, its row, send time and the partition and
 * offset it landed at, so tests can check the order in which each subtask scored them.
 */
public final class TrackedProducer implements AutoCloseable {

    /** Where an event landed and what it carried. */
    public record Sent(String id, float[] row, long sentAt, int partition, long offset) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroWireEncoder<FeatureEvent> encoder;
    private final String topic;
    private final String model;
    private final int width;
    private final Random random = new Random(5);
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final List<Exception> errors = new ArrayList<>();

    public TrackedProducer(String bootstrap, String registryUrl, String topic, String model, int width)
            throws Exception {
        this.topic = topic;
        this.model = model;
        this.width = width;
        this.encoder = new AvroWireEncoder<>(new SchemaRegistryClient(registryUrl), topic, new FeatureEvent());
        this.producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ProducerConfig.ACKS_CONFIG, "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                                ProducerConfig.LINGER_MS_CONFIG, "5"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
    }

    /** Sends one event named {@code id} with a random row. */
    public void send(String id) throws Exception {
        float[] row = new float[width];
        List<Float> features = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            row[i] = (float) random.nextGaussian();
            features.add(row[i]);
        }
        long now = System.currentTimeMillis();
        FeatureEvent event = FeatureProducer.event(id, "entity-" + (id.hashCode() & 1023), model, now, features);
        sendBytes(id, row, event.getEntityId(), encoder.encode(event), now);
    }

    /** Sends one event named {@code id} with named inputs only (no flat features). */
    public void sendNamed(String id, List<NamedInput> inputs) throws Exception {
        long now = System.currentTimeMillis();
        FeatureEvent event = FeatureProducer.event(
                id, "entity-" + (id.hashCode() & 1023), model, now, List.of());
        event.setInputs(inputs);
        sendBytes(id, null, event.getEntityId(), encoder.encode(event), now);
    }

    /** Sends an event already framed in the wire format (e.g. written with an older schema). */
    public void sendBytes(String id, float[] row, String entity, byte[] value, long now) {
        producer.send(
                new ProducerRecord<>(topic, entity.getBytes(StandardCharsets.UTF_8), value),
                (metadata, error) -> {
                    if (error != null) {
                        synchronized (errors) {
                            errors.add(error);
                        }
                    } else {
                        sent.put(id, new Sent(id, row, now, metadata.partition(), metadata.offset()));
                    }
                });
    }

    public void flush() {
        producer.flush();
        synchronized (errors) {
            if (!errors.isEmpty()) {
                throw new AssertionError("producer failed: " + errors.get(0), errors.get(0));
            }
        }
    }

    public Map<String, Sent> sent() {
        return sent;
    }

    @Override
    public void close() {
        producer.close();
    }
}
