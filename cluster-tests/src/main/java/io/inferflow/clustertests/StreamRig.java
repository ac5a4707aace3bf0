package io.inferflow.clustertests;

import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.RegistrySettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the cluster checks stream through, in this JVM: an embedded Kafka broker with the jobs'
 * topics, the Schema Registry, a model store with a signed demo model and the job's options
 * file pointing at them. The Flink cluster is separate processes ({@link StandaloneCluster}).
 */
final class StreamRig implements AutoCloseable {

    static final String MODEL = "demo";
    static final int WIDTH = 16;
    static final String FEATURES = "features";
    static final String PREDICTIONS = "predictions";
    static final String DEAD_LETTERS = "dead-letters";
    private static final String CONTROL = "model-control";
    private static final String STATUS = "model-status";

    final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final EmbeddedKafka kafka;
    private final LocalSchemaRegistry registry;
    private final KeyPair key = Ed25519.generate();
    private final ModelStore store;
    private final Path modelFile;

    /** Starts the broker and registry; {@code features} and predictions get {@code partitions}. */
    StreamRig(Path dir, int partitions) throws Exception {
        kafka = EmbeddedKafka.start(0);
        registry = LocalSchemaRegistry.start("127.0.0.1", 0);
        kafka.createTopics(partitions, FEATURES, PREDICTIONS, DEAD_LETTERS,
                JobOptions.PREDICTIONS_SHADOW_TOPIC.defaultValue());
        EmbeddedKafka.createTopics(
                bootstrap(), 1, Map.of("cleanup.policy", "compact"), CONTROL);
        kafka.createTopics(
                1, STATUS, JobOptions.DRIFT_TOPIC.defaultValue(),
                JobOptions.DRIFT_COUNTS_TOPIC.defaultValue(),
                JobOptions.LABELS_TOPIC.defaultValue(),
                JobOptions.MODEL_ROLLOUTS_TOPIC.defaultValue());
        store = new ModelStore(Files.createDirectories(dir.resolve("store")));
        modelFile = Files.createDirectories(dir.resolve("models")).resolve(MODEL + ".onnx");
        Files.write(modelFile, Mlp.random(42, WIDTH, 64, 32, 1).toOnnx("features"));
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    String registryUrl() {
        return "http://127.0.0.1:" + registry.port();
    }

    /**
     * Writes the inference job's options file ({@code deliveryMode}, signed models only) into
     * {@code dir}, with {@code extra} lines ({@code key: value}) at the end.
     */
    Path writeJobConfig(Path dir, String checkpointInterval, String deliveryMode,
            List<String> extra) throws IOException {
        StringBuilder yaml = new StringBuilder(String.join("\n",
                "# Written by the cluster check; see flink-conf/job.example.yaml",
                "kafka.bootstrap-servers: " + bootstrap(),
                "kafka.group-id: inferflow-cluster-" + runId,
                "delivery.mode: " + deliveryMode,
                "kafka.sink.transactional-id-prefix: inferflow-cluster-" + runId,
                "registry.url: " + registryUrl(),
                "model.allowed-uri-roots: " + store.root().toUri(),
                "model.require-signatures: true",
                "model.trusted-keys: " + Ed25519.keyId(key.getPublic()) + "="
                        + Ed25519.encodePublic(key.getPublic()),
                "execution.checkpointing.interval: " + checkpointInterval,
                ""));
        extra.forEach(line -> yaml.append(line).append('\n'));
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * Pushes the signed demo model v1 and waits until every subtask says ACTIVE; returns how
     * many subtasks did.
     *
     * @throws IllegalStateException when a subtask rejected it
     */
    int deployModel(String issuedBy) throws Exception {
        byte[] bytes = Files.readAllBytes(modelFile);
        String sha256 = Hashes.sha256Hex(bytes);
        ModelControl record =
                ControlRecords.deploy(
                        MODEL, 1, 1, store.put(modelFile, MODEL, 1, sha256).toString(), sha256,
                        "features", WIDTH, ModelPrecision.FP32, key, issuedBy);
        try (ModelControlClient control =
                new ModelControlClient(KafkaClients.plain(bootstrap()),
                        RegistrySettings.of(registryUrl()), CONTROL, STATUS).signingWith(key)) {
            Map<Integer, ModelStatus> finals =
                    control.send(record, Duration.ofSeconds(120), s -> {});
            for (ModelStatus s : finals.values()) {
                if (s.getState() != ModelState.ACTIVE) {
                    throw new IllegalStateException("model rejected: " + s.getReason());
                }
            }
            return finals.size();
        }
    }

    /** Paced events of this run, not started yet. */
    PacedEvents events(int events, double rate) {
        return new PacedEvents(this, events, rate);
    }

    /** A started read_committed reader of the predictions and dead letters. */
    CommittedPredictions predictions() {
        return new CommittedPredictions(bootstrap(), registryUrl()).start();
    }

    @Override
    public void close() throws Exception {
        try (EmbeddedKafka k = kafka; LocalSchemaRegistry r = registry) {
            // closed in reverse order
        }
    }
}
