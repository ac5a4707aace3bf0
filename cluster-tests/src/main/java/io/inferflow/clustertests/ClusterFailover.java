package io.inferflow.clustertests;

import io.inferflow.cli.job.FlinkRestException;
import io.inferflow.jobs.InferenceJob;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Exactly-once across a TaskManager crash on a real multi-process Flink cluster: embedded Kafka
 * broker and Schema Registry in this JVM, a standalone Flink cluster (one JobManager, two
 * TaskManagers with one slot each) as separate JVMs, {@code inferflow-job.jar} submitted through the
 * REST API, a signed demo model pushed through the control topic, then a paced stream of events
 * during which one TaskManager is SIGKILLed and a replacement started. Passes when every
 * event's prediction is readable exactly once with {@code read_committed} and no dead letter
 * was written; reports the recovery times. Started by {@code scripts/cluster-failover.sh}.
 */
@Command(
        name = "cluster-failover",
        mixinStandardHelpOptions = true,
        description =
                "Starts Kafka + registry + a standalone Flink cluster (separate JVMs), runs the"
                        + " job from inferflow-job.jar, SIGKILLs a TaskManager mid-stream, checks"
                        + " exactly-once on the predictions topic (read_committed).")
public final class ClusterFailover implements Callable<Integer> {

    static final String MODEL = "demo";
    static final int WIDTH = 16;

    @Option(names = "--events", description = "Events to send (default ${DEFAULT-VALUE}).")
    int events = 30_000;

    @Option(names = "--rate", description = "Events per second (default ${DEFAULT-VALUE}).")
    double rate = 500;

    @Option(names = "--kill-at", description =
            "Fraction of the events sent when the TaskManager is killed (default ${DEFAULT-VALUE}).")
    double killAt = 0.4;

    @Option(names = "--checkpoint-interval", description =
            "The job's checkpoint interval (default ${DEFAULT-VALUE}).")
    String checkpointInterval = "2 s";

    @Option(names = "--flink-classpath", paramLabel = "FILE", description =
            "File holding the Flink cluster's classpath (default ${DEFAULT-VALUE}).")
    Path flinkClasspath = Path.of("cluster-tests/target/flink-cluster.classpath");

    @Option(names = "--job-jar", paramLabel = "JAR", description = "Default ${DEFAULT-VALUE}.")
    Path jobJar = Path.of("jobs/target/inferflow-job.jar");

    @Option(names = "--flink-conf", paramLabel = "FILE", description = "Default ${DEFAULT-VALUE}.")
    Path flinkConf = Path.of("flink-conf/config.yaml");

    @Option(names = "--work-dir", paramLabel = "DIR", description =
            "Logs, configuration, checkpoints (default: a new directory under /tmp/inferflow).")
    Path workDir;

    @Option(names = "--keep", description = "Keep the work directory after a passing run.")
    boolean keep;

    @Option(names = "--tm-stack-size", paramLabel = "SIZE", description =
            "-Xss for TaskManagers (default: the JVM's). Not needed since OnnxModel creates"
                    + " ONNX Runtime's environment on a large-stack thread; see docs/testing/failover.md.")
    String tmStackSize = "";

    @Option(names = "-D", paramLabel = "KEY=VALUE", description =
            "Flink cluster option on top of the config file.")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    private PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterFailover()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Result result = run();
        return result.passed() ? 0 : 1;
    }

    /** What a run measured and what it found wrong (nothing when it passed). */
    public record Result(
            int events,
            long predictions,
            long distinct,
            long duplicates,
            long missing,
            long deadLetters,
            long restarts,
            long detectMillis,
            long runningMillis,
            long firstCommitMillis,
            long allPredictionsMillis,
            Path workDir,
            List<String> violations) {

        public boolean passed() {
            return violations.isEmpty();
        }
    }

    public ClusterFailover output(PrintStream out) {
        this.out = out;
        return this;
    }

    public ClusterFailover settings(
            int events, double rate, Path classpathFile, Path jobJar, Path flinkConf, Path workDir) {
        this.events = events;
        this.rate = rate;
        this.flinkClasspath = classpathFile;
        this.jobJar = jobJar;
        this.flinkConf = flinkConf;
        this.workDir = workDir;
        return this;
    }

    public Result run() throws Exception {
        String classpath = StandaloneCluster.readClasspathFile(flinkClasspath);
        for (Path p : List.of(jobJar, flinkConf)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + " does not exist");
            }
        }
        Path dir =
                workDir != null
                        ? Files.createDirectories(workDir)
                        : Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"),
                                "inferflow")).resolve("cluster-" + System.currentTimeMillis());
        dir = Files.createDirectories(dir).toAbsolutePath();
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<String> violations = new ArrayList<>();
        say("work dir %s", dir);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
                LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0)) {
            String bootstrap = kafka.bootstrapServers();
            String registryUrl = "http://127.0.0.1:" + registry.port();
            kafka.createTopics(2, "features", "predictions", "dead-letters",
                    JobOptions.PREDICTIONS_SHADOW_TOPIC.defaultValue());
            EmbeddedKafka.createTopics(
                    bootstrap, 1, Map.of("cleanup.policy", "compact"), "model-control");
            kafka.createTopics(
                    1, "model-status", JobOptions.DRIFT_TOPIC.defaultValue(),
                    JobOptions.DRIFT_COUNTS_TOPIC.defaultValue(),
                    JobOptions.LABELS_TOPIC.defaultValue(),
                    JobOptions.MODEL_ROLLOUTS_TOPIC.defaultValue());
            say("Kafka %s, Schema Registry %s", bootstrap, registryUrl);

            KeyPair key = Ed25519.generate();
            ModelStore store = new ModelStore(Files.createDirectories(dir.resolve("store")));
            Path modelFile = Files.createDirectories(dir.resolve("models")).resolve("demo.onnx");
            Files.write(modelFile, Mlp.random(42, WIDTH, 64, 32, 1).toOnnx("features"));
            Path jobConfig = writeJobConfig(dir, bootstrap, registryUrl, store, key, runId);

            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("taskmanager.numberOfTaskSlots", "1");
            overrides.put("parallelism.default", "2");
            overrides.putAll(flinkOptions);
            try (StandaloneCluster cluster =
                    new StandaloneCluster(classpath, flinkConf, dir.resolve("flink"), overrides)
                            .taskManagerJvmOptions(
                                    tmStackSize.isBlank()
                                            ? List.of()
                                            : List.of("-Xss" + tmStackSize))) {
                FlinkRest rest = new FlinkRest(cluster.restUrl());
                cluster.startJobManager();
                cluster.startTaskManager("tm-1");
                cluster.startTaskManager("tm-2");
                awaitTaskManagers(rest, cluster, 2, Duration.ofSeconds(120));
                say("Flink cluster up: JobManager %s, TaskManagers tm-1 (pid %d), tm-2 (pid %d),"
                                + " logs in %s",
                        cluster.restUrl(), cluster.pid("tm-1"), cluster.pid("tm-2"),
                        cluster.dir());

                long t0 = System.nanoTime();
                String jarId = rest.uploadJar(jobJar);
                String jobId =
                        rest.run(jarId, InferenceJob.class.getName(),
                                List.of("--config", jobConfig.toString()), 2);
                say("submitted %s through the REST API in %d ms: job %s",
                        jobJar.getFileName(), millisSince(t0), jobId);
                awaitRunning(rest, cluster, jobId, Duration.ofSeconds(180));
                say("job RUNNING with all tasks");

                try {
                    deployModel(bootstrap, registryUrl, store, modelFile, key);
                } finally {
                    cluster.deadProcesses().forEach(d -> say("process died: %s", d));
                }

                try (Verifier verifier = new Verifier(bootstrap, registryUrl)) {
                    Thread verifierThread = new Thread(verifier, "verifier");
                    verifierThread.setDaemon(true);
                    verifierThread.start();
                    Producer producer = new Producer(bootstrap, registryUrl, runId, events, rate);
                    Thread producerThread = new Thread(producer, "producer");
                    producerThread.setDaemon(true);
                    producerThread.start();
                    say("producing %,d events at %.0f/s", events, rate);

                    long killAfter = Math.max(1, (long) (events * killAt));
                    Await.until(Duration.ofMinutes(10), Duration.ofMillis(20),
                            () -> (producer.sent.get() >= killAfter
                                            && verifier.predictions.get() > 0)
                                    || !producerThread.isAlive());
                    long restartsBefore = rest.maxAttempt(jobId);
                    long seenBefore = verifier.predictions.get();
                    long killMillis = System.currentTimeMillis();
                    long kill = System.nanoTime();
                    verifier.killMillis = killMillis;
                    cluster.kill("tm-1");
                    say("SIGKILLed tm-1 after %,d events sent, %,d predictions committed",
                            producer.sent.get(), seenBefore);
                    cluster.startTaskManager("tm-3");
                    say("started replacement tm-3 (pid %d)", cluster.pid("tm-3"));

                    long[] detect = {-1};
                    long[] running = {-1};
                    long[] restarts = {restartsBefore};
                    Await.until(Duration.ofMinutes(4), Duration.ofMillis(100), () -> {
                        boolean allRunning = rest.allRunning(jobId);
                        boolean recovered = rest.runningSince(jobId, killMillis);
                        restarts[0] = rest.maxAttempt(jobId);
                        if (detect[0] < 0 && (!allRunning || restarts[0] > restartsBefore)) {
                            detect[0] = millisSince(kill);
                            say("failure noticed by the JobManager after %,d ms", detect[0]);
                        }
                        if (detect[0] >= 0 && recovered) {
                            running[0] = millisSince(kill);
                        }
                        return running[0] >= 0;
                    });
                    if (running[0] < 0) {
                        violations.add("job not RUNNING with all tasks 4 min after the kill: "
                                + rest.job(jobId).path("state").asText());
                    } else {
                        say("job RUNNING again with all tasks %,d ms after the kill"
                                + " (restarts: %d)", running[0], restarts[0] - restartsBefore);
                    }

                    producerThread.join(Duration.ofMinutes(15).toMillis());
                    say("producer done: %,d sent, %,d failed", producer.sent.get(),
                            producer.failed.get());
                    if (producer.error != null) {
                        violations.add("producer failed: " + producer.error);
                    }
                    Await.until(Duration.ofMinutes(3), Duration.ofMillis(100),
                            () -> verifier.distinct() >= events);
                    long all = millisSince(kill);
                    // Keep reading two more checkpoints, so that a late duplicate would show.
                    long checkpoints = rest.completedCheckpoints(jobId);
                    Await.until(Duration.ofMinutes(1), Duration.ofMillis(250),
                            () -> rest.completedCheckpoints(jobId) >= checkpoints + 2);
                    verifier.close();
                    verifierThread.join(10_000);

                    long firstCommit =
                            verifier.firstAfterKill < 0 ? -1 : verifier.firstAfterKill - killMillis;
                    Map<String, Integer> counts = verifier.counts();
                    long duplicates =
                            counts.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
                    long missing = 0;
                    List<String> missingIds = new ArrayList<>();
                    for (long i = 0; i < events; i++) {
                        String id = runId + "-" + i;
                        if (!counts.containsKey(id)) {
                            missing++;
                            if (missingIds.size() < 5) {
                                missingIds.add(id);
                            }
                        }
                    }
                    long unexpected =
                            counts.keySet().stream().filter(id -> !id.startsWith(runId + "-")).count();
                    if (producer.sent.get() != events) {
                        violations.add("producer acknowledged " + producer.sent.get() + " of "
                                + events + " events");
                    }
                    if (duplicates > 0) {
                        violations.add(duplicates + " duplicate predictions (read_committed)");
                    }
                    if (missing > 0) {
                        violations.add(missing + " events without a prediction, e.g. " + missingIds);
                    }
                    if (unexpected > 0) {
                        violations.add(unexpected + " predictions for events never sent");
                    }
                    if (verifier.deadLetters.get() > 0) {
                        violations.add(verifier.deadLetters.get() + " dead letters "
                                + verifier.deadLetterTypes);
                    }
                    if (verifier.decodeErrors.get() > 0) {
                        violations.add(verifier.decodeErrors.get() + " undecodable predictions");
                    }
                    if (restarts[0] <= restartsBefore) {
                        violations.add("the job never restarted after the kill");
                    }
                    if (firstCommit < 0) {
                        violations.add("no prediction scored after the kill was committed");
                    }
                    cluster.deadProcesses().forEach(d -> violations.add("process died: " + d));

                    Result result =
                            new Result(events, verifier.predictions.get(), counts.size(),
                                    duplicates, missing, verifier.deadLetters.get(),
                                    restarts[0] - restartsBefore, detect[0], running[0],
                                    firstCommit, all,
                                    dir, violations);
                    try {
                        rest.cancel(jobId);
                    } catch (FlinkRestException e) {
                        say("cancel failed: %s", e);
                    }
                    report(result);
                    return result;
                }
            } catch (Exception e) {
                violations.add(e.toString());
                throw e;
            } finally {
                say("stopping the cluster, registry and broker");
            }
        } finally {
            if (violations.isEmpty() && !keep) {
                deleteQuietly(dir);
            } else {
                say("logs and configuration kept in %s", dir);
            }
        }
    }

    private void report(Result r) {
        out.println();
        out.println("cluster failover " + (r.passed() ? "PASSED" : "FAILED"));
        out.printf("  events sent             %,d%n", r.events());
        out.printf("  predictions (committed) %,d (%,d distinct event ids, %,d duplicates,"
                + " %,d missing)%n", r.predictions(), r.distinct(), r.duplicates(), r.missing());
        out.printf("  dead letters            %,d%n", r.deadLetters());
        out.printf("  job restarts            %d%n", r.restarts());
        out.printf("  kill -> failure noticed %,d ms%n", r.detectMillis());
        out.printf("  kill -> RUNNING again   %,d ms (all tasks RUNNING)%n", r.runningMillis());
        out.printf("  kill -> first new commit %,d ms (first read_committed prediction scored"
                + " after the kill)%n", r.firstCommitMillis());
        out.printf("  kill -> all predictions %,d ms%n", r.allPredictionsMillis());
        for (String v : r.violations()) {
            out.println("  VIOLATION: " + v);
        }
        out.flush();
    }

    private Path writeJobConfig(
            Path dir, String bootstrap, String registryUrl, ModelStore store, KeyPair key,
            String runId) throws IOException {
        String yaml =
                String.join(
                        "\n",
                        "# Written by ClusterFailover; see flink-conf/job.example.yaml",
                        "kafka.bootstrap-servers: " + bootstrap,
                        "kafka.group-id: inferflow-failover-" + runId,
                        "kafka.sink.delivery-guarantee: exactly-once",
                        "kafka.sink.transactional-id-prefix: inferflow-failover-" + runId,
                        "registry.url: " + registryUrl,
                        "model.allowed-uri-roots: " + store.root().toUri(),
                        "model.require-signatures: true",
                        "model.trusted-keys: " + Ed25519.keyId(key.getPublic()) + "="
                                + Ed25519.encodePublic(key.getPublic()),
                        "execution.checkpointing.interval: " + checkpointInterval,
                        "");
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private void deployModel(
            String bootstrap, String registryUrl, ModelStore store, Path file, KeyPair key)
            throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        String sha256 = Hashes.sha256Hex(bytes);
        ModelControl record =
                ControlRecords.deploy(
                        MODEL, 1, 1, store.put(file, MODEL, 1, sha256).toString(), sha256,
                        "features", WIDTH, ModelPrecision.FP32, key, "cluster-failover");
        try (ModelControlClient control =
                new ModelControlClient(KafkaClients.plain(bootstrap), RegistrySettings.of(registryUrl),
                        "model-control", "model-status")) {
            Map<Integer, ModelStatus> finals = control.send(record, Duration.ofSeconds(120), s -> {});
            for (ModelStatus s : finals.values()) {
                if (s.getState() != ModelState.ACTIVE) {
                    throw new IllegalStateException("model rejected: " + s.getReason());
                }
            }
            say("model %s v1 (signed) ACTIVE on %d/%d subtasks", MODEL, finals.size(),
                    finals.size());
        }
    }

    private void awaitTaskManagers(
            FlinkRest rest, StandaloneCluster cluster, int n, Duration timeout) throws Exception {
        Await.orFail(n + " TaskManagers registering (see " + cluster.dir() + ")", timeout,
                Duration.ofMillis(250), () -> {
                    checkAlive(cluster);
                    return rest.taskManagers() >= n;
                });
    }

    private void awaitRunning(
            FlinkRest rest, StandaloneCluster cluster, String jobId, Duration timeout)
            throws Exception {
        Await.orFail("job " + jobId + " RUNNING with all tasks", timeout, Duration.ofMillis(250),
                () -> {
                    checkAlive(cluster);
                    if (rest.allRunning(jobId)) {
                        return true;
                    }
                    String state = rest.job(jobId).path("state").asText();
                    if (state.equals("FAILED") || state.equals("CANCELED")) {
                        throw new IllegalStateException(
                                "job " + state + ": " + rest.get("/jobs/" + jobId + "/exceptions"));
                    }
                    return false;
                });
    }

    private static void checkAlive(StandaloneCluster cluster) {
        List<String> dead = cluster.deadProcesses();
        if (!dead.isEmpty()) {
            throw new IllegalStateException(
                    "Flink processes died: " + dead + "; see " + cluster.dir());
        }
    }

    private void say(String format, Object... args) {
        out.printf("[%s] %s%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                String.format(format, args));
        out.flush();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** Paced synthetic events with ids {@code RUN-0 .. RUN-(n-1)}. */
    private static final class Producer implements Runnable {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final String bootstrap;
        private final String registryUrl;
        private final String runId;
        private final int events;
        private final double rate;
        volatile Exception error;

        Producer(String bootstrap, String registryUrl, String runId, int events, double rate) {
            this.bootstrap = bootstrap;
            this.registryUrl = registryUrl;
            this.runId = runId;
            this.events = events;
            this.rate = rate;
        }

        @Override
        public void run() {
            Random random = new Random(11);
            try (FeatureProducer producer =
                    new FeatureProducer(bootstrap, registryUrl, "features")) {
                Pacer pacer = new Pacer(rate);
                for (int i = 0; i < events; i++) {
                    pacer.awaitNext();
                    List<Float> features = new ArrayList<>(WIDTH);
                    for (int f = 0; f < WIDTH; f++) {
                        features.add((float) random.nextGaussian());
                    }
                    producer.send(
                            FeatureProducer.event(
                                    runId + "-" + i, "entity-" + (i % 1000), MODEL,
                                    System.currentTimeMillis(), features));
                    if (i % 100 == 0) {
                        sent.set(producer.sent());
                    }
                }
                producer.flush();
                sent.set(producer.sent());
                failed.set(producer.failed());
                if (producer.failed() > 0) {
                    error = producer.lastError();
                }
            } catch (Exception e) {
                error = e;
            }
        }
    }

    /**
     * Reads predictions and dead letters from the start with {@code read_committed}, the way a
     * downstream consumer does; counts each event id and notes when the first prediction scored
     * after the kill became readable.
     */
    private static final class Verifier implements Runnable, AutoCloseable {
        final AtomicLong predictions = new AtomicLong();
        final AtomicLong deadLetters = new AtomicLong();
        final AtomicLong decodeErrors = new AtomicLong();
        final Map<String, Long> deadLetterTypes = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, Integer> counts = new HashMap<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AvroJson avro;
        volatile long killMillis = Long.MAX_VALUE;
        volatile long firstAfterKill = -1;
        private volatile boolean running = true;

        Verifier(String bootstrap, String registryUrl) {
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
            consumer.subscribe(List.of("predictions", "dead-letters"));
        }

        @Override
        public void run() {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.currentTimeMillis();
                        if (r.topic().equals("dead-letters")) {
                            deadLetters.incrementAndGet();
                            try {
                                deadLetterTypes.merge(
                                        String.valueOf(avro.decode(r.value()).get("error_type")),
                                        1L, Long::sum);
                            } catch (IOException e) {
                                decodeErrors.incrementAndGet();
                            }
                            continue;
                        }
                        try {
                            GenericRecord p = avro.decode(r.value());
                            String id = String.valueOf(p.get("event_id"));
                            synchronized (counts) {
                                counts.merge(id, 1, Integer::sum);
                            }
                            predictions.incrementAndGet();
                            if (firstAfterKill < 0 && millis(p.get("scored_at")) > killMillis) {
                                firstAfterKill = now;
                            }
                        } catch (IOException e) {
                            decodeErrors.incrementAndGet();
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close();
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

        @Override
        public void close() {
            if (running) {
                running = false;
                consumer.wakeup();
            }
        }
    }
}
