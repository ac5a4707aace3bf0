package io.inferflow.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.inferflow.cli.io.AvroJson;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertNull;

/** Reads topics back the way downstream consumers do. */
public final class KafkaTestUtils {

    private KafkaTestUtils() {}

    /**
     * Reads {@code topic} with read_committed from the start until {@code expected} records came
     * or {@code timeout} passed, then keeps reading for {@code settle} to catch any extra record.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrap, String topic, int expected, Duration timeout, Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            long settleUntil = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settleUntil) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The predictions of {@code topic} by event id, read with {@link #readCommitted} until
     * {@code expected} came (then 2 s more); fails on a second prediction for any event.
     */
    public static Map<String, GenericRecord> predictionsOnce(
            String bootstrap, String registryUrl, String topic, int expected) throws Exception {
        AvroJson avro = new AvroJson(new SchemaRegistryClient(registryUrl));
        Map<String, GenericRecord> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(bootstrap, topic, expected,
                Duration.ofSeconds(120), Duration.ofSeconds(2))) {
            GenericRecord p = avro.decode(r.value());
            String id = p.get("event_id").toString();
            assertNull(out.put(id, p), "second prediction for " + id);
        }
        return out;
    }

    /** The first score of a prediction read by {@link #predictionsOnce}. */
    public static float firstScore(GenericRecord prediction) {
        return (Float) ((List<?>) prediction.get("scores")).get(0);
    }
}
