package io.inferflow.cli.bench;

import io.inferflow.cli.io.AvroJson;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Reads a predictions topic from its start on a background thread with
 * {@code isolation.level=read_committed}, as downstream consumers do, and notes when each
 * prediction was read. Records are decoded with the writer schema named by their id.
 */
final class PredictionReader implements AutoCloseable {

    /** One prediction: its event id, its two timestamps and when the reader got it (millis). */
    record Observation(
            String eventId, long eventTime, long scoredAt, long readAt, long modelVersion) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroJson avro;
    private final List<Observation> observations = new ArrayList<>();
    private final AtomicLong total = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Exception failure;

    private PredictionReader(String bootstrap, String registryUrl, String topic) {
        this.avro = new AvroJson(new SchemaRegistryClient(registryUrl));
        this.consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                                ConsumerConfig.CLIENT_ID_CONFIG, "inferflow-bench-" + topic),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        List<TopicPartition> partitions =
                consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .collect(Collectors.toList());
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic '" + topic + "' has no partitions");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::pollLoop, "inferflow-bench-reader-" + topic);
        this.thread.setDaemon(true);
    }

    /** Starts reading {@code topic}, which must exist. */
    static PredictionReader start(String bootstrap, String registryUrl, String topic) {
        PredictionReader reader = new PredictionReader(bootstrap, registryUrl, topic);
        reader.thread.start();
        return reader;
    }

    private void pollLoop() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long readAt = System.currentTimeMillis();
                if (records.isEmpty()) {
                    continue;
                }
                List<Observation> batch = new ArrayList<>(records.count());
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    batch.add(observe(avro.decode(r.value()), readAt));
                }
                synchronized (this) {
                    observations.addAll(batch);
                    total.addAndGet(batch.size());
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (Exception e) {
            failure = e;
        } finally {
            consumer.close();
            synchronized (this) {
                running = false;
                notifyAll();
            }
        }
    }

    private static Observation observe(GenericRecord p, long readAt) {
        return new Observation(
                p.get("event_id").toString(),
                (Long) p.get("event_time"),
                (Long) p.get("scored_at"),
                readAt,
                (Long) p.get("model_version"));
    }

    /** Predictions read so far. */
    long total() {
        return total.get();
    }

    /**
     * Waits until at least {@code n} predictions whose event id starts with {@code idPrefix}
     * have been read, or {@code timeout} passed; returns whether they were.
     */
    boolean awaitCount(String idPrefix, long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int scanned = 0;
        long matched = 0;
        synchronized (this) {
            while (true) {
                for (; scanned < observations.size(); scanned++) {
                    if (observations.get(scanned).eventId().startsWith(idPrefix)) {
                        matched++;
                    }
                }
                if (matched >= n) {
                    return true;
                }
                if (failure != null) {
                    throw new IllegalStateException("reading predictions failed", failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !running) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** The predictions read so far whose event id starts with {@code idPrefix}. */
    synchronized List<Observation> observations(String idPrefix) {
        return observations.stream()
                .filter(o -> o.eventId().startsWith(idPrefix))
                .collect(Collectors.toList());
    }

    /**
     * Removes and returns the predictions read since the last call, so that a long run does
     * not keep them all; a reader that is drained must not also be asked {@link #awaitCount}.
     */
    synchronized List<Observation> drain() {
        if (failure != null) {
            throw new IllegalStateException("reading predictions failed", failure);
        }
        List<Observation> drained = new ArrayList<>(observations);
        observations.clear();
        return drained;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread.isAlive()) {
            consumer.wakeup();
        }
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
