package io.inferflow.cli.bench;

import io.inferflow.jobs.EvaluationPipeline;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.PipelineIo;
import io.inferflow.jobs.JobOptions;
import io.inferflow.cli.bench.PredictionReader.Observation;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.profile.ProfileBuilder;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.RolloutMode;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the production job ({@link InferencePipeline} on {@link KafkaPipelineIo}, exactly-once
 * sinks) in one configuration on the embedded broker and registry, each phase on fresh topics.
 *
 * <ul>
 *   <li>Throughput: preload N events, run the job bounded at the latest offsets, read the
 *       predictions back with read_committed, check that exactly N came, and divide N by the
 *       span of their {@code scored_at} times (job start-up is outside that span).
 *   <li>Latency: start the job unbounded, warm it up until a first prediction is visible, send
 *       events at a fixed rate, and take {@code scored_at - event_time} (processing latency) and
 *       {@code read time - event_time} (visible latency, which waits for the transaction that
 *       commits on the next checkpoint).
 * </ul>
 */
public final class JobBench {

    private static final Logger LOG = LoggerFactory.getLogger(JobBench.class);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration WARM_UP_AFTER_FIRST = Duration.ofSeconds(1);

    /** What the throughput phase measured. */
    record Throughput(long events, double eventsPerSecond, double spanSeconds, double jobSeconds,
            long predictionBytes) {

        /** Bytes the predictions take on the broker (record batches as written) per prediction. */
        double bytesPerPrediction() {
            return (double) predictionBytes / events;
        }
    }

    /**
     * What the latency phase measured: processing and visible latency, the visible p99.9, the
     * duration of each checkpoint that completed while measured events were sent and read (null
     * when none did), and the CPU seconds and peak RSS of this process over the same span.
     */
    record Latency(
            long events,
            double offeredRate,
            double sentRate,
            LatencySummary processing,
            LatencySummary visible,
            double visibleP999Ms,
            LatencySummary checkpoints,
            double cpuSeconds,
            long peakRssBytes) {

        /** CPU seconds of the whole process per million predictions. */
        double cpuSecondsPerMillion() {
            return cpuSeconds / events * 1e6;
        }
    }

    private final String bootstrap;
    private final String registryUrl;
    private final BenchSettings settings;
    private final String runId;
    private final PrintStream progress;
    private final Map<String, String> overrides = new java.util.TreeMap<>();
    private int jobs;

    JobBench(
            String bootstrap,
            String registryUrl,
            BenchSettings settings,
            String runId,
            PrintStream progress) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.settings = settings;
        this.runId = runId;
        this.progress = progress;
    }

    /**
     * Runs one unreported throughput phase, so that the first measured configuration does not
     * pay for JIT compilation of the Kafka, Avro and Flink code paths.
     */
    /** Sets a job option on every job that starts from now on (e.g. the sinks' compression). */
    void override(String key, String value) {
        overrides.put(key, value);
    }

    void warmUp(BenchModel model, long events) throws Exception {
        progress.printf(
                Locale.ROOT,
                "[warm-up] one unreported micro-batched job of %,d '%s' events...%n",
                events, model.name());
        throughput(model, BenchConfig.BATCHED, events, "[warm-up]", false);
    }

    Throughput throughput(BenchModel model, BenchConfig config, long events) throws Exception {
        return throughput(model, config, events, prefix(model, config), true);
    }

    private Throughput throughput(
            BenchModel model, BenchConfig config, long events, String prefix, boolean report)
            throws Exception {
        PrintStream out = report ? progress : new PrintStream(OutputStream.nullOutputStream());
        Topics topics = createTopics(model, config, "throughput");
        out.printf(
                Locale.ROOT, "%s throughput phase: preloading %,d events...%n", prefix, events);
        try (FeatureProducer producer =
                new FeatureProducer(bootstrap, registryUrl, topics.features)) {
            EventFactory factory = new EventFactory(model, "t-");
            for (long i = 0; i < events; i++) {
                producer.send(factory.next(System.currentTimeMillis()));
            }
            checkSent(prefix, producer, events);
        }

        out.printf("%s throughput phase: running the job...%n", prefix);
        Configuration conf = jobConf(model, config, topics);
        startRollout(config, conf, topics);
        StreamExecutionEnvironment env = environment(conf, KafkaPipelineIo.boundedAtStart(conf));
        long started = System.nanoTime();
        env.execute(topics.base);
        double jobSeconds = (System.nanoTime() - started) / 1e9;

        List<Observation> read;
        try (PredictionReader reader =
                PredictionReader.start(bootstrap, registryUrl, topics.predictions)) {
            reader.awaitCount("", events, READ_TIMEOUT);
            reader.awaitCount("", events + 1, settle());
            read = reader.observations("");
        }
        checkExactlyOnce(prefix, topics, read, events);
        checkRollout(prefix, config, topics, read, events, out);
        if (config == BenchConfig.OBSERVED) {
            // The drift windows are the evaluation job's, outside the measured run.
            StreamExecutionEnvironment evaluation =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            evaluation.setParallelism(settings.parallelism());
            EvaluationPipeline.build(evaluation, KafkaPipelineIo.boundedAtStart(conf), conf);
            evaluation.execute(topics.base + "-evaluation");
            checkDriftReports(prefix, topics, events, out);
        }

        long first = read.stream().mapToLong(Observation::scoredAt).min().orElseThrow();
        long last = read.stream().mapToLong(Observation::scoredAt).max().orElseThrow();
        if (last - first < 1) {
            throw new IllegalStateException(
                    prefix + " all " + events + " events were scored within one millisecond;"
                            + " raise --events to time them");
        }
        double span = (last - first) / 1000.0;
        Throughput result = new Throughput(events, events / span, span, jobSeconds,
                topicBytes(topics.predictions));
        out.printf(
                Locale.ROOT,
                "%s throughput %,.0f events/s (%,d predictions scored within %.2f s; the job"
                        + " ran %.1f s including start-up)%n",
                prefix, result.eventsPerSecond(), events, span, jobSeconds);
        return result;
    }

    Latency latency(BenchModel model, BenchConfig config, double rate) throws Exception {
        return latency(model, config, rate, 0);
    }

    /**
     * The latency phase; with {@code swapEvery > 0} a new model version is pushed every that
     * many measured events.
     */
    Latency latency(BenchModel model, BenchConfig config, double rate, long swapEvery)
            throws Exception {
        String prefix = prefix(model, config) + (swapEvery > 0 ? " swap every " + swapEvery + ":" : "");
        long events = Math.max(1, Math.round(rate * settings.latencySeconds()));
        Topics topics = createTopics(model, config, "latency");
        progress.printf(
                Locale.ROOT,
                "%s latency phase: %,.0f events/s for %d s after warm-up...%n",
                prefix, rate, settings.latencySeconds());
        Configuration conf = jobConf(model, config, topics);
        startRollout(config, conf, topics);
        StreamExecutionEnvironment env = environment(conf, KafkaPipelineIo.unbounded(conf));
        try (PredictionReader reader =
                        PredictionReader.start(bootstrap, registryUrl, topics.predictions);
                FeatureProducer producer =
                        new FeatureProducer(bootstrap, registryUrl, topics.features);
                Swapper swapper =
                        swapEvery > 0
                                ? new Swapper(controlClient(topics), model, swapEvery)
                                : null) {
            JobClient job = env.executeAsync(topics.base);
            try {
                awaitRunning(prefix, job);
                warmUp(prefix, model, producer, reader, rate);
                awaitCandidate(prefix, config, topics);
                ProcessUsage usage = ProcessUsage.start();
                CheckpointProbe.Sampler checkpoints = new CheckpointProbe.Sampler(topics.base);
                double sentRate = send(model, producer, rate, events, swapper);
                if (swapper != null) {
                    progress.printf(
                            Locale.ROOT, "%s pushed %d versions while sending%n",
                            prefix, swapper.pushed());
                }
                checkSent(prefix, producer, -1);
                reader.awaitCount("m-", events, READ_TIMEOUT);
                reader.awaitCount("m-", events + 1, settle());
                List<Observation> out = reader.observations("m-");
                double cpuSeconds = usage.cpuSeconds();
                long peakRss = ProcessUsage.peakRssBytes();
                checkpoints.close();
                // No failure happens here: at-least-once must deliver exactly once too.
                checkExactlyOnce(prefix, topics, out, events);
                double[] visible = millis(out, false);
                double[] checkpointMs = checkpoints.durationsMs();
                Latency result =
                        new Latency(
                                events, rate, sentRate,
                                LatencySummary.of(millis(out, true)),
                                LatencySummary.of(visible),
                                LatencySummary.percentile(sorted(visible), 99.9),
                                checkpointMs.length == 0 ? null : LatencySummary.of(checkpointMs),
                                cpuSeconds, peakRss);
                progress.printf(
                        Locale.ROOT,
                        "%s latency p50 %s ms, p99 %s ms (visible under read_committed: p50 %s"
                                + " ms, p99 %s ms)%n",
                        prefix,
                        ResultTable.millis(result.processing().p50Ms()),
                        ResultTable.millis(result.processing().p99Ms()),
                        ResultTable.millis(result.visible().p50Ms()),
                        ResultTable.millis(result.visible().p99Ms()));
                if (sentRate < 0.95 * rate) {
                    progress.printf(
                            Locale.ROOT,
                            "%s warning: the producer reached only %,.0f of %,.0f events/s%n",
                            prefix, sentRate, rate);
                }
                return result;
            } finally {
                cancel(prefix, job);
            }
        }
    }

    /** The broker's transactional ids of one job at one moment of {@link #transactionIds}. */
    public record TransactionIds(String naming, double minutes, long ids, long predictions) {}

    /**
     * Runs one unbounded micro-batched job per transaction naming strategy side by side, each on
     * its own topics and transactional-id prefix, fed at {@code rate} events/s each for {@code
     * duration}; every {@code every} counts the transactional ids the broker knows under each
     * job's prefix (Admin listTransactions, any state) and the predictions committed so far.
     */
    List<TransactionIds> transactionIds(BenchModel model, List<String> namings, double rate,
            Duration duration, Duration every) throws Exception {
        List<Topics> topics = new ArrayList<>();
        List<JobClient> running = new ArrayList<>();
        List<FeatureProducer> producers = new ArrayList<>();
        List<PredictionReader> readers = new ArrayList<>();
        List<TransactionIds> samples = new ArrayList<>();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin
                .create(Map.of("bootstrap.servers", bootstrap))) {
            for (String naming : namings) {
                Topics t = createTopics(model, BenchConfig.BATCHED, "txn-" + naming);
                Configuration conf = jobConf(model, BenchConfig.BATCHED, t);
                conf.setString(JobOptions.TRANSACTION_NAMING.key(), naming);
                topics.add(t);
                readers.add(PredictionReader.start(bootstrap, registryUrl, t.predictions));
                producers.add(new FeatureProducer(bootstrap, registryUrl, t.features));
                running.add(environment(conf, KafkaPipelineIo.unbounded(conf))
                        .executeAsync(t.base));
            }
            for (JobClient job : running) {
                awaitRunning("[transactional ids]", job);
            }
            EventFactory factory = new EventFactory(model, "x-");
            Pacer pacer = new Pacer(rate);
            long start = System.nanoTime();
            long nextSample = start;
            while (true) {
                long now = System.nanoTime();
                if (now >= nextSample) {
                    double minutes = (now - start) / 6e10;
                    Map<String, Long> counts = new java.util.HashMap<>();
                    for (var listing : admin.listTransactions().all().get()) {
                        for (Topics t : topics) {
                            if (listing.transactionalId().startsWith(t.base + "-")) {
                                counts.merge(t.base, 1L, Long::sum);
                            }
                        }
                    }
                    for (int i = 0; i < namings.size(); i++) {
                        TransactionIds sample = new TransactionIds(namings.get(i), minutes,
                                counts.getOrDefault(topics.get(i).base, 0L),
                                readers.get(i).total());
                        samples.add(sample);
                        progress.printf(Locale.ROOT,
                                "[transactional ids] %5.1f min  %-12s %,8d ids on the broker,"
                                        + " %,10d predictions committed%n",
                                minutes, sample.naming(), sample.ids(), sample.predictions());
                    }
                    if (now - start >= duration.toNanos()) {
                        break;
                    }
                    nextSample += every.toNanos();
                }
                pacer.awaitNext();
                long t = System.currentTimeMillis();
                for (FeatureProducer producer : producers) {
                    producer.send(factory.next(t));
                }
            }
        } finally {
            running.forEach(job -> cancel("[transactional ids]", job));
            producers.forEach(FeatureProducer::close);
            for (PredictionReader reader : readers) {
                reader.close();
            }
        }
        return samples;
    }

    /** Sends events at the rate until one prediction is visible, then a little longer. */
    private void warmUp(
            String prefix,
            BenchModel model,
            FeatureProducer producer,
            PredictionReader reader,
            double rate)
            throws IOException {
        EventFactory factory = new EventFactory(model, "w-");
        Pacer pacer = new Pacer(rate);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        long warmUntil = Long.MAX_VALUE;
        while (System.nanoTime() < warmUntil) {
            pacer.awaitNext();
            producer.send(factory.next(System.currentTimeMillis()));
            if (warmUntil == Long.MAX_VALUE && reader.total() > 0) {
                warmUntil = System.nanoTime() + WARM_UP_AFTER_FIRST.toNanos();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        prefix + " no prediction became visible within " + START_TIMEOUT
                                + " of starting the job; see the log");
            }
        }
    }

    /** Sends {@code events} measured events at {@code rate}; returns the rate reached. */
    private static double send(
            BenchModel model, FeatureProducer producer, double rate, long events, Swapper swapper)
            throws Exception {
        EventFactory factory = new EventFactory(model, "m-");
        Pacer pacer = new Pacer(rate);
        long start = System.nanoTime();
        for (long i = 0; i < events; i++) {
            pacer.awaitNext();
            producer.send(factory.next(System.currentTimeMillis()));
            if (swapper != null) {
                swapper.afterEvent(i + 1);
            }
        }
        producer.flush();
        return events / ((System.nanoTime() - start) / 1e9);
    }

    private static double[] sorted(double[] values) {
        double[] copy = values.clone();
        java.util.Arrays.sort(copy);
        return copy;
    }

    private static double[] millis(List<Observation> out, boolean processing) {
        double[] values = new double[out.size()];
        for (int i = 0; i < values.length; i++) {
            Observation o = out.get(i);
            values[i] = (processing ? o.scoredAt() : o.readAt()) - o.eventTime();
        }
        return values;
    }

    private void awaitRunning(String prefix, JobClient job) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        prefix + " the job is " + status + " instead of RUNNING; see the log");
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static void cancel(String prefix, JobClient job) {
        try {
            job.cancel().get(60, TimeUnit.SECONDS);
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            LOG.debug("{} job ended on cancel: {}", prefix, e.getCause().toString());
        } catch (TimeoutException e) {
            LOG.warn("{} the job did not stop within 60 s of cancel", prefix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void checkSent(String prefix, FeatureProducer producer, long expected) {
        producer.flush();
        if (producer.failed() > 0 || (expected >= 0 && producer.sent() != expected)) {
            throw new IllegalStateException(
                    prefix + " producing features failed: " + producer.sent() + " sent, "
                            + producer.failed() + " failed, last error: "
                            + producer.lastError());
        }
    }

    /** Version 2 of every bench model: the same file, rolled out as the candidate. */
    private static final long CANDIDATE_VERSION = 2;

    /**
     * For {@link BenchConfig#rollout()} configurations, writes the rollout record before the job
     * starts: the configured model as stable (generation 1, the same descriptor as the start-up
     * one, so nothing reloads) and its file again as version 2, the candidate.
     */
    private void startRollout(BenchConfig config, Configuration conf, Topics topics)
            throws Exception {
        if (!config.rollout()) {
            return;
        }
        ModelControl stable = ModelSetup.resolve(conf).initial().get(0);
        ModelCandidate candidate = ModelCandidate.newBuilder()
                .setVersion(CANDIDATE_VERSION)
                .setUri(stable.getUri())
                .setSha256(stable.getSha256())
                .setInputName(stable.getInputName())
                .setInputWidth(stable.getInputWidth())
                .setPrecision(stable.getPrecision())
                .setMode(config == BenchConfig.CANARY ? RolloutMode.CANARY : RolloutMode.SHADOW)
                .setPercent(config == BenchConfig.CANARY ? settings.canaryPercent() : 0)
                .build();
        try (ModelControlClient control = controlClient(topics)) {
            control.send(Rollouts.withCandidate(stable, candidate, 1, Instant.now(), "bench"),
                    Duration.ZERO, s -> {});
        }
    }

    private ModelControlClient controlClient(Topics topics) {
        return new ModelControlClient(KafkaClients.plain(bootstrap),
                RegistrySettings.of(registryUrl), topics.control, topics.status);
    }

    /** Waits until every subtask reports the rollout's candidate ACTIVE. */
    private void awaitCandidate(String prefix, BenchConfig config, Topics topics)
            throws Exception {
        if (!config.rollout()) {
            return;
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (ModelControlClient control = controlClient(topics)) {
            while (true) {
                long active = control.latestStatuses(true).values().stream()
                        .flatMap(bySubtask -> bySubtask.values().stream())
                        .filter(s -> s.getVersion() == CANDIDATE_VERSION
                                && s.getState() == ModelState.ACTIVE)
                        .count();
                if (active >= settings.parallelism()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(prefix + " the candidate was ACTIVE on "
                            + active + " of " + settings.parallelism() + " subtasks after "
                            + START_TIMEOUT + "; see the log");
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * A canary's share of predictions by the candidate, a shadow's one candidate prediction per
     * event in predictions-shadow; fails when the shadow's count is off.
     */
    private void checkRollout(String prefix, BenchConfig config, Topics topics,
            List<Observation> read, long events, PrintStream out) throws Exception {
        if (config == BenchConfig.CANARY) {
            long byCandidate = read.stream()
                    .filter(o -> o.modelVersion() == CANDIDATE_VERSION).count();
            out.printf(Locale.ROOT, "%s the candidate scored %.1f%% of the events (canary %.0f%%"
                            + " of entities)%n", prefix, 100.0 * byCandidate / events,
                    settings.canaryPercent());
        } else if (config == BenchConfig.SHADOW) {
            try (PredictionReader shadows =
                    PredictionReader.start(bootstrap, registryUrl, topics.predictionsShadow)) {
                shadows.awaitCount("", events, READ_TIMEOUT);
                shadows.awaitCount("", events + 1, settle());
                List<Observation> shadowRead = shadows.observations("");
                Set<String> ids = new HashSet<>();
                shadowRead.forEach(o -> ids.add(o.eventId()));
                if (shadowRead.size() != events || ids.size() != events
                        || shadowRead.stream().anyMatch(o -> o.modelVersion() != CANDIDATE_VERSION)) {
                    throw new IllegalStateException(String.format(Locale.ROOT,
                            "%s expected one shadow prediction of v2 per event (%,d) in '%s',"
                                    + " read %,d (%,d distinct)", prefix, events,
                            topics.predictionsShadow, shadowRead.size(), ids.size()));
                }
                out.printf(Locale.ROOT, "%s %,d shadow predictions, one per event%n", prefix,
                        shadowRead.size());
            }
        }
    }

    private static void checkExactlyOnce(
            String prefix, Topics topics, List<Observation> out, long expected) {
        Set<String> ids = new HashSet<>();
        for (Observation o : out) {
            ids.add(o.eventId());
        }
        if (out.size() != expected || ids.size() != expected) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "%s expected exactly %,d predictions in '%s' (read_committed), read"
                                    + " %,d (%,d distinct event ids); see '%s' and the log",
                            prefix, expected, topics.predictions, out.size(), ids.size(),
                            topics.deadLetters));
        }
    }

    /** The observed job must really have detected drift: count the reports it wrote. */
    private void checkDriftReports(String prefix, Topics topics, long events, PrintStream out) {
        // A window may overshoot its count by a quarter (a partial per subtask), and the last
        // one stays open at the end of the input.
        long windows = Math.max(1, events * 4 / (5 * DriftOptions.WINDOW_EVENTS.defaultValue()));
        long reports;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG, topics.base + "-drift-check",
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.drift));
            reports = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (reports < windows && System.nanoTime() < deadline) {
                reports += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        out.printf(
                Locale.ROOT, "%s drift: %,d reports on '%s' (windows of %,d events)%n",
                prefix, reports, topics.drift, DriftOptions.WINDOW_EVENTS.defaultValue());
        if (reports < windows) {
            throw new IllegalStateException(
                    prefix + " expected at least " + windows + " drift reports for " + events
                            + " events, got " + reports + "; drift detection did not run");
        }
    }

    private Duration settle() {
        Duration twoCheckpoints = settings.checkpointInterval().multipliedBy(2);
        return twoCheckpoints.compareTo(Duration.ofSeconds(1)) > 0
                ? twoCheckpoints
                : Duration.ofSeconds(1);
    }

    private StreamExecutionEnvironment environment(Configuration conf, PipelineIo io) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(settings.parallelism());
        InferencePipeline.build(env, io, conf, ModelSetup.resolve(conf));
        return env;
    }

    /** The size of {@code topic}'s log on the broker: what its producers put on the wire. */
    private long topicBytes(String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin
                .create(Map.of("bootstrap.servers", bootstrap))) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream()
                    .map(org.apache.kafka.common.Node::id).toList();
            long bytes = 0;
            for (var byBroker : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (var dir : byBroker.values()) {
                    for (var replica : dir.replicaInfos().entrySet()) {
                        if (replica.getKey().topic().equals(topic)) {
                            bytes += replica.getValue().size();
                        }
                    }
                }
            }
            return bytes;
        }
    }

    private Configuration jobConf(BenchModel model, BenchConfig config, Topics topics)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(JobOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(JobOptions.REGISTRY_URL, registryUrl);
        conf.set(JobOptions.FEATURES_TOPIC, topics.features);
        conf.set(JobOptions.PREDICTIONS_TOPIC, topics.predictions);
        conf.set(JobOptions.PREDICTIONS_SHADOW_TOPIC, topics.predictionsShadow);
        conf.set(JobOptions.DEAD_LETTERS_TOPIC, topics.deadLetters);
        conf.set(JobOptions.GROUP_ID, topics.base);
        conf.set(JobOptions.TRANSACTIONAL_ID_PREFIX, topics.base);
        conf.set(JobOptions.STARTING_OFFSETS, JobOptions.StartingOffsets.EARLIEST);
        conf.set(JobOptions.MODEL_CONTROL_TOPIC, topics.control);
        conf.set(JobOptions.MODEL_STATUS_TOPIC, topics.status);
        conf.set(JobOptions.MODEL_ROLLOUTS_TOPIC, topics.rollouts);
        conf.set(InferenceOptions.MODELS, List.of(model.spec()));
        // The bench's own generated models, from start-up configuration: nothing to sign.
        conf.set(JobOptions.REQUIRE_SIGNATURES, false);
        conf.set(
                JobOptions.ALLOWED_URI_ROOTS,
                List.of(model.file().getParent().toUri().toString()));
        conf.set(
                InferenceOptions.BATCH_MAX_SIZE,
                config == BenchConfig.PER_RECORD ? 1 : settings.batchSize());
        conf.set(
                InferenceOptions.ENGINE,
                config == BenchConfig.PASSTHROUGH
                        ? InferenceOptions.Engine.IDENTITY
                        : InferenceOptions.Engine.ONNX);
        conf.set(InferenceOptions.DEVICE, settings.device());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
        CheckpointProbe.register(conf);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, settings.parallelism());
        conf.set(JobOptions.DRIFT_TOPIC, topics.drift);
        conf.set(JobOptions.DRIFT_COUNTS_TOPIC, topics.driftCounts);
        if (config == BenchConfig.BARE) {
            conf.set(DriftOptions.ENABLED, false);
            conf.set(InferenceOptions.METRICS_HISTOGRAMS, false);
        }
        if (config == BenchConfig.OBSERVED) {
            conf.set(
                    InferenceOptions.MODEL_PROFILES,
                    List.of(model.name() + "=" + profileOf(model)));
            conf.setString(
                    "metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(freePort()));
        }
        overrides.forEach(conf::setString);
        settings.jobOptions().forEach(conf::setString);
        return conf;
    }

    /**
     * The reference profile of {@code model} on rows drawn like the bench's events (standard
     * normal features), written next to the model once.
     */
    private Path profileOf(BenchModel model) throws Exception {
        Path file = model.file().resolveSibling(model.name() + "-profile.json");
        if (!Files.exists(file)) {
            Random random = new Random(13);
            float[][] rows = new float[10_000][model.width()];
            for (float[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) random.nextGaussian();
                }
            }
            Files.writeString(
                    file,
                    ProfileBuilder.build(Files.readAllBytes(model.file()), rows, 10).toJson());
        }
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Topics createTopics(BenchModel model, BenchConfig config, String phase)
            throws Exception {
        String base = "bench-" + runId + "-" + (++jobs) + "-" + model.name() + "-"
                + config.key() + "-" + phase;
        Topics topics = new Topics(base);
        EmbeddedKafka.createTopics(
                bootstrap, settings.parallelism(),
                topics.features, topics.predictions, topics.predictionsShadow,
                topics.deadLetters);
        EmbeddedKafka.createTopics(
                bootstrap, 1, topics.control, topics.status, topics.rollouts, topics.drift,
                topics.driftCounts);
        return topics;
    }

    private static String prefix(BenchModel model, BenchConfig config) {
        return "[" + model.name() + "] " + config.label() + ":";
    }

    /** The topics of one phase, named after it; also the job name and transactional prefix. */
    private static final class Topics {
        final String base;
        final String features;
        final String predictions;
        final String predictionsShadow;
        final String deadLetters;
        final String control;
        final String status;
        final String rollouts;
        final String drift;
        final String driftCounts;

        Topics(String base) {
            this.base = base;
            this.features = base + "-features";
            this.predictions = base + "-predictions";
            this.predictionsShadow = base + "-predictions-shadow";
            this.deadLetters = base + "-dead-letters";
            this.control = base + "-model-control";
            this.status = base + "-model-status";
            this.rollouts = base + "-model-rollouts";
            this.drift = base + "-drift";
            this.driftCounts = base + "-drift-counts";
        }
    }

    /** Events with Gaussian features of the model's width and ids {@code <prefix><n>}. */
    private static final class EventFactory {
        private final BenchModel model;
        private final String idPrefix;
        private final Random random = new Random(7);
        private long next;

        EventFactory(BenchModel model, String idPrefix) {
            this.model = model;
            this.idPrefix = idPrefix;
        }

        FeatureEvent next(long eventTime) {
            List<Float> features = new ArrayList<>(model.width());
            for (int i = 0; i < model.width(); i++) {
                features.add((float) random.nextGaussian());
            }
            long n = next++;
            return FeatureProducer.event(
                    idPrefix + n, "entity-" + (n % 1000), model.name(), eventTime, features);
        }
    }
}
