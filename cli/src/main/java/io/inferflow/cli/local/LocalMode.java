package io.inferflow.cli.local;

import io.inferflow.jobs.ModelArg;
import io.inferflow.jobs.EvaluationPipeline;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.JobRegistry;
import io.inferflow.jobs.SecretKeys;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.model.InputColumns;
import io.inferflow.model.InputSpec;
import io.inferflow.model.Mlp;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.ModelException;
import io.inferflow.model.profile.ProfileBuilder;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The whole product in one JVM: embedded Kafka, Schema Registry, a Flink MiniCluster with web UI
 * and Prometheus reporter running the inference job, a demo model and producer, and a status
 * line. Started by {@code pipeline local}.
 */
public final class LocalMode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalMode.class);

    /** Name of the model local mode generates and serves when no --model is given. */
    public static final String DEMO_MODEL = "demo";
    /** The names of local mode's two jobs. */
    public static final String JOB_NAME = "inferflow-local";
    public static final String EVALUATION_JOB_NAME = JOB_NAME + "-evaluation";

    private final LocalSettings settings;
    private final PrintStream out;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private StatusReporter status;
    private final List<JobClient> jobs = new ArrayList<>();

    public LocalMode(LocalSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Starts everything; returns once the job is submitted and the producer runs. */
    public void start() throws Exception {
        EmbeddedKafka.checkFree(settings.kafkaPort(), "Kafka", "--kafka-port");
        EmbeddedKafka.checkFree(settings.registryPort(), "Schema Registry", "--registry-port");
        EmbeddedKafka.checkFree(settings.webPort(), "Flink web UI", "--web-port");
        EmbeddedKafka.checkFree(settings.metricsPort(), "Prometheus metrics", "--metrics-port");

        List<LocalModel> models = models();
        LocalSecurity security = settings.secureDir() == null ? null
                : LocalSecurity.create(settings.secureDir(), LocalSecurity.Mode.SASL_SSL);
        EmbeddedKafka kafka = EmbeddedKafka.start(settings.kafkaPort(), security);
        resources.add(kafka);
        LocalSchemaRegistry registry = security == null
                ? LocalSchemaRegistry.start("0.0.0.0", settings.registryPort())
                : LocalSchemaRegistry.start("0.0.0.0", settings.registryPort(),
                        security.registrySecurity());
        resources.add(registry);
        String registryUrl = (security == null ? "http" : "https") + "://localhost:"
                + registry.port();
        if (security != null) {
            security.writeClientProperties(kafka.bootstrapServers(), registryUrl);
        }

        KeyPair key = localKey();
        Configuration conf = jobConfiguration(kafka.bootstrapServers(), registryUrl, key, security);
        RegistrySettings registrySettings = JobRegistry.settings(conf);
        kafka.createTopics(
                settings.parallelism(),
                conf.get(JobOptions.FEATURES_TOPIC),
                conf.get(JobOptions.PREDICTIONS_TOPIC),
                conf.get(JobOptions.PREDICTIONS_SHADOW_TOPIC),
                conf.get(JobOptions.DEAD_LETTERS_TOPIC));
        kafka.createTopics(1, Map.of("cleanup.policy", "compact"),
                conf.get(JobOptions.MODEL_CONTROL_TOPIC));
        kafka.createTopics(
                1,
                conf.get(JobOptions.MODEL_STATUS_TOPIC),
                conf.get(JobOptions.MODEL_ROLLOUTS_TOPIC),
                conf.get(JobOptions.DRIFT_TOPIC),
                conf.get(JobOptions.DRIFT_COUNTS_TOPIC),
                conf.get(JobOptions.LABELS_TOPIC));

        // One MiniCluster (web UI, Prometheus reporter) runs both jobs, as a session cluster
        // would: the inference job, and beside it the evaluation job, whose failure cannot stop
        // predictions.
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(SecretKeys.redacted(conf))
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(2 * settings.parallelism())
                                .build());
        cluster.start();
        resources.add(cluster);

        ModelSetup setup = ModelSetup.resolve(conf);
        StreamExecutionEnvironment env = submitter(conf, cluster);
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf, setup);
        jobs.add(env.executeAsync(JOB_NAME));
        if (EvaluationPipeline.enabled(conf)) {
            StreamExecutionEnvironment evaluation = submitter(conf, cluster);
            EvaluationPipeline.build(evaluation, KafkaPipelineIo.unbounded(conf), conf);
            jobs.add(evaluation.executeAsync(EVALUATION_JOB_NAME));
        }

        deploy(models, key, kafka.clients(), registrySettings, conf);
        banner(kafka, registryUrl, models, security);

        status =
                new StatusReporter(
                        kafka.clients(),
                        new SchemaRegistryClient(registrySettings),
                        conf.get(JobOptions.FEATURES_TOPIC),
                        conf.get(JobOptions.PREDICTIONS_TOPIC),
                        conf.get(JobOptions.DEAD_LETTERS_TOPIC),
                        conf.get(JobOptions.MODEL_STATUS_TOPIC),
                        conf.get(JobOptions.DRIFT_TOPIC),
                        conf.get(JobOptions.MODEL_ROLLOUTS_TOPIC),
                        models.stream().map(LocalModel::toString).collect(Collectors.joining(", ")),
                        settings.statusEvery(),
                        new FlinkJobsProbe(cluster.getRestAddress().get().getPort()),
                        Map.of(JOB_NAME, "inference", EVALUATION_JOB_NAME, "evaluation"),
                        out);
        thread("status", status);

        if (settings.rate() > 0) {
            FeatureProducer producer =
                    new FeatureProducer(
                            kafka.clients(),
                            new SchemaRegistryClient(registrySettings),
                            conf.get(JobOptions.FEATURES_TOPIC));
            resources.add(producer);
            if (conf.get(LabelOptions.ENABLED)) {
                producer.labelsTo(conf.get(JobOptions.LABELS_TOPIC));
            }
            DemoProducer demo = new DemoProducer(producer, models, settings.rate());
            resources.add(demo);
            thread("demo-producer", demo);
        }
    }

    private List<LocalModel> models() throws Exception {
        List<LocalModel> models = new ArrayList<>();
        for (ModelArg m : settings.models()) {
            models.add(LocalModel.inspect(m.name(), m.version(), m.file()));
        }
        if (models.isEmpty()) {
            Path dir = Files.createDirectories(settings.workDir().resolve("models"));
            Path demo = dir.resolve(DEMO_MODEL + ".onnx");
            Files.write(demo, Mlp.random(42, 16, 64, 32, 1).toOnnx("features"));
            // A second version of the same shape, for trying a push from another terminal.
            Files.createDirectories(demoV2().getParent());
            Files.write(demoV2(), Mlp.random(43, 16, 64, 32, 1).toOnnx("features"));
            // And a broken one, valid but NaN for every real event, for the rollout walk-through.
            Files.write(demoBroken(), ExampleModels.nanUnlessZero(16));
            models.add(LocalModel.inspect(DEMO_MODEL, 1, demo));
        }
        return models;
    }

    /** A fresh key pair for this run, where {@code pipeline model push} finds it. */
    private static KeyPair localKey() throws IOException {
        KeyPair key = Ed25519.generate();
        Files.createDirectories(LocalPaths.privateKey().getParent());
        Files.deleteIfExists(LocalPaths.privateKey());
        Files.deleteIfExists(LocalPaths.publicKey());
        Ed25519.writeKeyPair(key, LocalPaths.privateKey(), LocalPaths.publicKey());
        return key;
    }

    private static final int PROFILE_ROWS = 10_000;

    /** Pushes the start-up models through the control topic and waits until they serve. */
    private void deploy(
            List<LocalModel> models, KeyPair key, KafkaClients kafka, RegistrySettings registry,
            Configuration conf) throws Exception {
        ModelStore store = new ModelStore(Files.createDirectories(LocalPaths.store()));
        try (ModelControlClient control =
                new ModelControlClient(
                        kafka, registry, conf.get(JobOptions.MODEL_CONTROL_TOPIC),
                        conf.get(JobOptions.MODEL_STATUS_TOPIC)).signingWith(key)) {
            long generation = 1;
            for (LocalModel m : models) {
                byte[] bytes = Files.readAllBytes(m.file());
                String sha256 = Hashes.sha256Hex(bytes);
                ModelControl record =
                        ControlRecords.deploy(
                                m.name(), m.version(), generation++,
                                store.put(m.file(), m.name(), m.version(), sha256).toString(),
                                sha256, m.inputName(), m.width(), ModelPrecision.FP32, key,
                                "local");
                // The demo producer's distribution is the reference: drift reports flow at once.
                ReferenceProfile profile = m.flat()
                        ? demoProfile(bytes, m.width()) : demoProfile(bytes, m.inputs());
                record.setProfile(profile.toJson());
                Path profileFile = demoProfileFile(m.name());
                Files.createDirectories(profileFile.getParent());
                Files.writeString(profileFile, profile.toJson());
                control.writeVersion(record);
                Map<Integer, ModelStatus> finals =
                        control.send(record, Duration.ofSeconds(120), s -> {});
                for (ModelStatus s : finals.values()) {
                    if (s.getState() != ModelState.ACTIVE) {
                        throw new IllegalArgumentException(
                                "model " + m + " was rejected: " + s.getReason());
                    }
                }
            }
        }
    }

    /** An environment that submits to {@code cluster} through its REST API. */
    private StreamExecutionEnvironment submitter(Configuration conf, MiniCluster cluster)
            throws Exception {
        Configuration client = SecretKeys.redacted(conf);
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, "localhost");
        client.set(RestOptions.PORT, cluster.getRestAddress().get().getPort());
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(client);
        env.setParallelism(settings.parallelism());
        return env;
    }

    /**
     * The job configuration: production's checkpointing, state and restart settings (the
     * bundled {@code flink-conf/config.yaml}, {@link ProductionSettings}) with checkpoints
     * under the work directory, then local mode's addresses, keys and demo settings, then the
     * user's {@code -D} overrides.
     */
    private Configuration jobConfiguration(
            String bootstrap, String registryUrl, KeyPair key, LocalSecurity security)
            throws IOException {
        Configuration conf = ProductionSettings.load();
        // Local mode's checkpoints go when its jobs are cancelled at exit.
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                settings.workDir().resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY,
                settings.workDir().resolve("savepoints").toUri().toString());
        conf.set(JobOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(JobOptions.REGISTRY_URL, registryUrl);
        if (security != null) {
            // As a user would configure a secured cluster: secrets by reference, read by Kafka's
            // FileConfigProvider where each client runs.
            security.kafkaProperties().forEach(
                    (k, v) -> conf.setString(KafkaClients.COMMON_PREFIX + k, v));
            security.registryProperties().forEach(
                    (k, v) -> conf.setString(JobRegistry.PREFIX + k, v));
        }
        conf.set(JobOptions.ALLOWED_URI_ROOTS, List.of(LocalPaths.store().toUri().toString()));
        conf.set(JobOptions.REQUIRE_SIGNATURES, true);
        conf.set(
                JobOptions.TRUSTED_KEYS,
                List.of(Ed25519.keyId(key.getPublic()) + "=" + Ed25519.encodePublic(key.getPublic())));
        // The rollout judge signs its promotions and aborts with the same local key.
        conf.set(JobOptions.DECISION_KEY, LocalPaths.privateKey().toString());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
        // As in flink-conf/config.yaml: no silent Kryo fallback for any type.
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestOptions.PORT, settings.webPort());
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 2 * settings.parallelism());
        conf.setString(
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", String.valueOf(settings.metricsPort()));
        // Local mode labels its demo events, so that online accuracy shows from the start.
        conf.set(LabelOptions.ENABLED, true);
        // Drift windows of 1,000 events: a report every 10 s at the demo rate.
        conf.set(DriftOptions.WINDOW_EVENTS, 1_000L);
        settings.overrides().forEach(conf::setString);
        return conf;
    }

    /**
     * The reference profile of a start-up model: its inputs and scores on {@value
     * #PROFILE_ROWS} rows drawn like the demo producer's (standard normal features).
     */
    static ReferenceProfile demoProfile(byte[] model, int width) throws ModelException {
        Random random = new Random(11);
        float[][] rows = new float[PROFILE_ROWS][width];
        for (float[] row : rows) {
            for (int i = 0; i < width; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return ProfileBuilder.build(model, rows, 10);
    }

    /**
     * The reference profile of a start-up model that reads named inputs, on rows drawn like the
     * demo producer's: standard normal floats, int64 codes 0..4, strings c0..c4.
     */
    static ReferenceProfile demoProfile(byte[] model, List<InputSpec> inputs)
            throws ModelException {
        Random random = new Random(11);
        List<String> header = new ArrayList<>();
        for (InputSpec input : inputs) {
            for (int j = 0; j < input.width(); j++) {
                header.add(InputColumns.name(input, j));
            }
        }
        List<List<String>> cells = new ArrayList<>(PROFILE_ROWS);
        for (int r = 0; r < PROFILE_ROWS; r++) {
            List<String> row = new ArrayList<>(header.size());
            for (InputSpec input : inputs) {
                for (int j = 0; j < input.width(); j++) {
                    row.add(switch (input.kind()) {
                        case FLOAT -> Float.toString((float) random.nextGaussian());
                        case INT64 -> Integer.toString(random.nextInt(5));
                        case STRING -> "c" + random.nextInt(5);
                    });
                }
            }
            cells.add(row);
        }
        return ProfileBuilder.buildFromCells(model, header, cells, 10);
    }

    /** Where local mode writes the profile it pushed with {@code model}, for later pushes. */
    public static Path demoProfileFile(String model) {
        return LocalPaths.root().resolve("examples").resolve(model + "-profile.json");
    }

    /** A second demo version, written at start for the push walk-through. */
    public static Path demoV2() {
        return LocalPaths.root().resolve("examples").resolve("demo-v2.onnx");
    }

    /** A version that loads but returns NaN for every real event: a canary to be aborted. */
    public static Path demoBroken() {
        return LocalPaths.root().resolve("examples").resolve("demo-broken.onnx");
    }

    private void banner(EmbeddedKafka kafka, String registryUrl, List<LocalModel> models,
            LocalSecurity security) {
        out.println("inferflow local mode" + (security == null ? ""
                : " (secured: SASL_SSL broker, registry with basic auth over HTTPS)"));
        out.printf("  Kafka            localhost:%d%s%n", kafka.port(),
                security == null ? "" : " (SASL_SSL; SCRAM-SHA-512, SCRAM-SHA-256, PLAIN,"
                        + " OAUTHBEARER; user '" + LocalSecurity.USER + "')");
        out.printf("  Schema Registry  %s%n", registryUrl);
        if (security != null) {
            out.printf("  client config    %s (use with --command-config)%n",
                    security.clientPropertiesFile());
            out.printf("  secrets          %s; CA %s%n", security.secretsFile(),
                    security.certificates().caPem());
        }
        out.printf("  Flink web UI     http://localhost:%d%n", settings.webPort());
        out.printf("  Prometheus       http://localhost:%d/metrics%n", settings.metricsPort());
        for (LocalModel m : models) {
            out.printf("  model            %s from %s, ACTIVE%n", m, m.file());
        }
        out.printf(
                "  drift            reference profiles in %s; reports: ./pipeline consume"
                        + " --topic drift%n",
                demoProfileFile("x").getParent());
        out.printf("  model store      %s%n", LocalPaths.store());
        out.printf("  signing key      %s (trusted by the job)%n", LocalPaths.privateKey());
        if (settings.models().isEmpty()) {
            out.printf(
                    "  push v2          ./pipeline model push --name %s --version 2 --file %s%n",
                    DEMO_MODEL, demoV2());
            out.printf(
                    "  or canary it     ./pipeline model push --name %s --version 2 --file %s"
                            + " --canary 20%n",
                    DEMO_MODEL, demoV2());
        } else {
            out.println(
                    "  push a version   ./pipeline model push --name NAME --version V --file F.onnx");
        }
        out.printf(
                "  producer         %s%n",
                settings.rate() > 0
                        ? settings.rate() + " events/s to 'features'"
                        : "none (--rate 0): produce with 'pipeline produce'");
        out.printf("  logs             %s%n", settings.logFile());
        out.println(
                settings.duration().isZero()
                        ? "Press Ctrl-C to stop."
                        : "Stopping after " + settings.duration().toSeconds() + " s.");
        out.flush();
    }

    private static void thread(String name, Runnable body) {
        Thread t = new Thread(body, "inferflow-" + name);
        t.setDaemon(true);
        t.start();
    }

    public long predictions() {
        return status == null ? 0 : status.predictions();
    }

    public long deadLetters() {
        return status == null ? 0 : status.deadLetters();
    }

    /** Stops the producer, cancels the job, stops registry and broker. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (status != null) {
            status.close();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            AutoCloseable r = resources.get(i);
            if (r instanceof DemoProducer || r instanceof FeatureProducer) {
                closeQuietly(r);
            }
        }
        for (JobClient job : jobs) {
            try {
                job.cancel().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("cancelling job {} failed", job.getJobID(), e);
            }
        }
        jobs.clear();
        for (int i = resources.size() - 1; i >= 0; i--) {
            closeQuietly(resources.get(i));
        }
        resources.clear();
    }

    private static void closeQuietly(AutoCloseable r) {
        try {
            r.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", r, e);
        }
    }

}
