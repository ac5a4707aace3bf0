package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import io.inferflow.cli.local.LocalMode;
import io.inferflow.cli.local.LocalSettings;
import io.inferflow.jobs.JobOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs local mode as {@code pipeline local} does and samples it: events produced and
 * predictions read back ({@code read_committed}) per second, visible latency, every Flink job's
 * latest checkpoint and restarts, heap and RSS. Prints one line per sample; local mode's own
 * banner and status lines go to {@code local-mode.txt} in the output directory.
 */
public final class SoakRun {

    private static final Logger LOG = LoggerFactory.getLogger(SoakRun.class);

    /** How long the jobs may take to complete their first checkpoints after start-up. */
    private static final Duration FIRST_CHECKPOINT_TIMEOUT = Duration.ofSeconds(120);

    private final SoakSettings settings;
    private final LocalSettings local;
    private final PrintStream out;
    private final EventLedger ledger = new EventLedger();
    private Duration pushEvery;
    private Duration canaryEvery;
    private List<SoakPusher.Push> pushes = List.of();
    private long[] controlRecords = {-1, -1};
    private long[] statusRecords = {-1, -1};

    public SoakRun(SoakSettings settings, LocalSettings local, PrintStream out) {
        this.settings = settings;
        this.local = local;
        this.out = out;
    }

    /**
     * Pushes a new version of the demo model every {@code every} while the soak runs, each
     * {@code canary} (null: never) as a canary the judge promotes ({@link SoakPusher}).
     */
    public SoakRun withPushes(Duration every, Duration canary) {
        this.pushEvery = every;
        this.canaryEvery = canary;
        return this;
    }

    /** Which of the demo producer's events came out as predictions (after {@link #run}). */
    EventLedger ledger() {
        return ledger;
    }

    /** The pushes of the run (after {@link #run}); empty without {@link #withPushes}. */
    List<SoakPusher.Push> pushes() {
        return pushes;
    }

    /** Records on {@code model-control} at the start and at the end of sampling. */
    long[] controlRecords() {
        return controlRecords;
    }

    /** Records on {@code model-status} at the start and at the end of sampling. */
    long[] statusRecords() {
        return statusRecords;
    }

    /** Starts local mode, takes every sample, stops local mode; returns the samples. */
    public List<SoakSample> run() throws Exception {
        Files.createDirectories(settings.outDir());
        Path localOut = settings.outDir().resolve("local-mode.txt");
        List<SoakSample> samples = new ArrayList<>();
        try (PrintStream localPrint =
                        new PrintStream(
                                Files.newOutputStream(localOut), true, StandardCharsets.UTF_8);
                LocalMode mode = new LocalMode(local, localPrint)) {
            mode.start();
            String bootstrap = "127.0.0.1:" + local.kafkaPort();
            String registryUrl = "http://localhost:" + local.registryPort();
            FlinkJobsProbe probe = new FlinkJobsProbe(local.webPort());
            SoakPusher pusher = pushEvery == null ? null
                    : new SoakPusher(bootstrap, registryUrl, local.metricsPort(), pushEvery,
                            canaryEvery, settings.outDir().resolve("pushed"));
            try (PredictionReader reader =
                            PredictionReader.start(bootstrap, registryUrl,
                                    JobOptions.PREDICTIONS_TOPIC.defaultValue());
                    EndOffsets produced =
                            new EndOffsets(bootstrap, JobOptions.FEATURES_TOPIC.defaultValue());
                    EndOffsets control = new EndOffsets(bootstrap,
                            JobOptions.MODEL_CONTROL_TOPIC.defaultValue());
                    EndOffsets status = new EndOffsets(bootstrap,
                            JobOptions.MODEL_STATUS_TOPIC.defaultValue())) {
                if (!probe.awaitFirstCheckpoints(FIRST_CHECKPOINT_TIMEOUT)) {
                    out.println("not every job completed a checkpoint within "
                            + FIRST_CHECKPOINT_TIMEOUT.toSeconds() + " s; sampling anyway");
                }
                out.println("local mode started, every job checkpointing (local mode's output: "
                        + localOut + ")");
                controlRecords[0] = control.sum();
                statusRecords[0] = status.sum();
                if (pusher != null) {
                    pusher.start();
                    out.printf("pushing a new version of the demo model every %d s%s%n",
                            pushEvery.toSeconds(), canaryEvery == null ? ""
                                    : ", every " + canaryEvery.toMinutes() + " min as a canary");
                }
                out.println(SoakTable.header());
                long start = System.nanoTime();
                long last = start;
                long lastProduced = produced.sum();
                for (int k = 1; k <= settings.samples(); k++) {
                    long due = start + settings.sampleEvery().toNanos() * k;
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
                    long now = System.nanoTime();
                    long producedNow = produced.sum();
                    List<PredictionReader.Observation> drained = reader.drain();
                    drained.forEach(o -> ledger.observe(o.eventId()));
                    SoakSample sample =
                            sample((now - start) / 1e9, (now - last) / 1e9,
                                    producedNow - lastProduced, drained, probe);
                    samples.add(sample);
                    out.println(SoakTable.line(sample));
                    last = now;
                    lastProduced = producedNow;
                }
                if (pusher != null) {
                    pusher.close();
                    pushes = pusher.pushes();
                }
                controlRecords[1] = control.sum();
                statusRecords[1] = status.sum();
            }
        }
        return samples;
    }

    private static SoakSample sample(
            double elapsed, double seconds, long produced,
            List<PredictionReader.Observation> predictions, FlinkJobsProbe probe)
            throws InterruptedException {
        LatencySummary visible =
                predictions.isEmpty()
                        ? null
                        : LatencySummary.of(predictions.stream()
                                .mapToDouble(o -> o.readAt() - o.eventTime())
                                .toArray());
        List<FlinkJobsProbe.Job> jobs;
        try {
            jobs = probe.jobs();
        } catch (IOException e) {
            // Recorded as no jobs: the check then reports every job as gone at this sample.
            LOG.warn("reading the Flink REST API failed", e);
            jobs = List.of();
        }
        return new SoakSample(
                elapsed,
                produced / seconds,
                predictions.size() / seconds,
                visible,
                jobs,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                rssBytes());
    }

    /** VmRSS of this process from /proc/self/status; -1 where there is none. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:	  812345 kB"
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("no VmRSS", e);
        }
        return -1;
    }

    /** The sum of a topic's end offsets: every record written to it so far. */
    private static final class EndOffsets implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<TopicPartition> partitions;

        EndOffsets(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(
                    Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                            ConsumerConfig.CLIENT_ID_CONFIG, "inferflow-soak-" + topic),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .collect(Collectors.toList());
        }

        long sum() {
            return consumer.endOffsets(partitions).values().stream().mapToLong(v -> v).sum();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
