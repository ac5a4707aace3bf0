package io.inferflow.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
}
