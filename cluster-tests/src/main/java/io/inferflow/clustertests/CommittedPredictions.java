package io.inferflow.clustertests;

import io.inferflow.cli.io.AvroJson;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads predictions and dead letters from the start with {@code read_committed}, the way a
 * downstream consumer does, on a thread of its own; counts each event id, notes when the first
 * prediction scored after {@link #markMillis} became readable, and checks the counts against
 * the events sent ({@link #violations}).
 */
final class CommittedPredictions implements Runnable, AutoCloseable {

    final AtomicLong predictions = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong decodeErrors = new AtomicLong();
    final Map<String, Long> deadLetterTypes = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroJson avro;
    private Thread thread;
    volatile long markMillis = Long.MAX_VALUE;
    volatile long firstAfterMark = -1;
    private volatile boolean running = true;

    CommittedPredictions(String bootstrap, String registryUrl) {
        this.avro = new AvroJson(new SchemaRegistryClient(registryUrl));
        this.consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + UUID.randomUUID(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        consumer.subscribe(List.of(StreamRig.PREDICTIONS, StreamRig.DEAD_LETTERS));
    }

    /** Starts reading on a daemon thread. */
    CommittedPredictions start() {
        thread = new Thread(this, "verifier");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    read(r);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private void read(ConsumerRecord<byte[], byte[]> r) {
        long now = System.currentTimeMillis();
        boolean deadLetter = r.topic().equals(StreamRig.DEAD_LETTERS);
        if (deadLetter) {
            deadLetters.incrementAndGet();
        }
        try {
            GenericRecord value = avro.decode(r.value());
            if (deadLetter) {
                deadLetterTypes.merge(String.valueOf(value.get("error_type")), 1L, Long::sum);
                return;
            }
            synchronized (counts) {
                counts.merge(String.valueOf(value.get("event_id")), 1, Integer::sum);
            }
            predictions.incrementAndGet();
            if (firstAfterMark < 0 && millis(value.get("scored_at")) > markMillis) {
                firstAfterMark = now;
            }
        } catch (IOException e) {
            decodeErrors.incrementAndGet();
        }
    }

    private static long millis(Object time) {
        if (time instanceof Instant) {
            return ((Instant) time).toEpochMilli();
        }
        return time instanceof Long ? (Long) time : -1;
    }

    long distinct() {
        synchronized (counts) {
            return counts.size();
        }
    }

    Map<String, Integer> counts() {
        synchronized (counts) {
            return new HashMap<>(counts);
        }
    }

    long duplicates() {
        return counts().values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
    }

    /**
     * What is wrong with the predictions of events {@code runId-0 .. runId-(events-1)}:
     * duplicates (unless {@code repeatsAllowed}, at-least-once), missing or unexpected event
     * ids, dead letters, undecodable records.
     */
    List<String> violations(String runId, int events, boolean repeatsAllowed) {
        Map<String, Integer> seen = counts();
        List<String> violations = new ArrayList<>();
        long duplicates = duplicates();
        if (duplicates > 0 && !repeatsAllowed) {
            violations.add(duplicates + " duplicate predictions (read_committed)");
        }
        List<String> missing = missing(seen, runId, events);
        if (!missing.isEmpty()) {
            violations.add(missing.size() + " events without a prediction, e.g. "
                    + missing.subList(0, Math.min(5, missing.size())));
        }
        long unexpected = seen.keySet().stream().filter(id -> !id.startsWith(runId + "-")).count();
        if (unexpected > 0) {
            violations.add(unexpected + " predictions for events never sent");
        }
        if (deadLetters.get() > 0) {
            violations.add(deadLetters.get() + " dead letters " + deadLetterTypes);
        }
        if (decodeErrors.get() > 0) {
            violations.add(decodeErrors.get() + " undecodable records");
        }
        return violations;
    }

    /** How many of the events {@code runId-0 .. runId-(events-1)} have no prediction. */
    long missing(String runId, int events) {
        return missing(counts(), runId, events).size();
    }

    private static List<String> missing(Map<String, Integer> seen, String runId, int events) {
        List<String> missing = new ArrayList<>();
        for (long i = 0; i < events; i++) {
            if (!seen.containsKey(runId + "-" + i)) {
                missing.add(runId + "-" + i);
            }
        }
        return missing;
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            running = false;
            consumer.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }
}
