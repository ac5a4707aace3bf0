package io.inferflow.cli.control;

import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.JobOptions;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import org.apache.flink.configuration.CheckpointingOptions;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.ModelSetup;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.PipelineOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Topics, keys, a model store and a job configuration for control-plane tests. */
final class ControlTestKit {

    static final int WIDTH = 16;

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String features = "features-" + run;
    final String predictions = "predictions-" + run;
    final String predictionsShadow = "predictions-shadow-" + run;
    final String deadLetters = "dead-letters-" + run;
    final String control = "model-control-" + run;
    final String status = "model-status-" + run;
    final String driftCounts = "drift-counts-" + run;
    final String rollouts = "model-rollouts-" + run;
    final KeyPair key = Ed25519.generate();
    final Path store;
    final EmbeddedKafka kafka;
    final String registryUrl;

    ControlTestKit(EmbeddedStack stack, Path store, int partitions) throws Exception {
        this(stack.kafka(), stack.registryUrl(), store, partitions);
    }

    ControlTestKit(EmbeddedKafka kafka, String registryUrl, Path store, int partitions)
            throws Exception {
        this(kafka, registryUrl, store, partitions, Map.of());
    }

    /** With {@code controlConfigs} for the control topic (compaction settings, say). */
    ControlTestKit(EmbeddedKafka kafka, String registryUrl, Path store, int partitions,
            Map<String, String> controlConfigs) throws Exception {
        this.kafka = kafka;
        this.registryUrl = registryUrl;
        this.store = store;
        kafka.createTopics(partitions, features, predictions, predictionsShadow, deadLetters);
        kafka.createTopics(1, status, driftCounts, rollouts);
        kafka.createTopics(1, controlConfigs, control);
    }

    Configuration conf() {
        Configuration conf = new Configuration();
        conf.set(JobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(JobOptions.REGISTRY_URL, registryUrl);
        conf.set(JobOptions.FEATURES_TOPIC, features);
        conf.set(JobOptions.PREDICTIONS_TOPIC, predictions);
        conf.set(JobOptions.PREDICTIONS_SHADOW_TOPIC, predictionsShadow);
        conf.set(JobOptions.DEAD_LETTERS_TOPIC, deadLetters);
        conf.set(JobOptions.MODEL_CONTROL_TOPIC, control);
        conf.set(JobOptions.MODEL_STATUS_TOPIC, status);
        conf.set(JobOptions.DRIFT_COUNTS_TOPIC, driftCounts);
        conf.set(JobOptions.MODEL_ROLLOUTS_TOPIC, rollouts);
        conf.set(JobOptions.GROUP_ID, "it-" + run);
        conf.set(JobOptions.TRANSACTIONAL_ID_PREFIX, "it-" + run);
        conf.set(JobOptions.ALLOWED_URI_ROOTS, List.of(store.toUri().toString()));
        conf.set(JobOptions.REQUIRE_SIGNATURES, true);
        conf.set(
                JobOptions.TRUSTED_KEYS,
                List.of(Ed25519.keyId(key.getPublic()) + "=" + Ed25519.encodePublic(key.getPublic())));
        conf.set(JobOptions.DECISION_KEY, decisionKeyFile().toString());
        conf.set(InferenceOptions.BATCH_MAX_SIZE, 32);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        // As in production: a type that would fall back to Kryo fails the job instead.
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        return conf;
    }

    /**
     * The kit's key pair as files (decision.key and decision.pub beside the store), which the
     * rollout judge signs its decisions with, and which {@code --key} takes.
     */
    Path decisionKeyFile() {
        Path privateFile = store.resolve("keys").resolve("decision.key");
        try {
            if (!Files.exists(privateFile)) {
                Files.createDirectories(privateFile.getParent());
                Ed25519.writeKeyPair(key, privateFile, privateFile.resolveSibling("decision.pub"));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return privateFile;
    }

    /**
     * {@code command}'s arguments and those that point the CLI at this broker and topics; a
     * command that writes control records signs them with the kit's key unless it names a
     * {@code --key}.
     */
    String[] cli(String... command) {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.addAll(List.of(
                "--bootstrap", kafka.bootstrapServers(),
                "--registry", registryUrl,
                "--control-topic", control,
                "--status-topic", status));
        boolean writes = command.length > 1 && command[0].equals("model")
                && List.of("push", "rollback", "retire", "promote", "abort").contains(command[1]);
        if (writes && !args.contains("--key")) {
            args.addAll(List.of("--key", decisionKeyFile().toString()));
        }
        return args.toArray(String[]::new);
    }

    ModelControlClient client() {
        return new ModelControlClient(kafka.clients(), RegistrySettings.of(registryUrl), control,
                status).signingWith(key);
    }

    /** Writes {@code mlp} into the store as {@code name} v{@code version}; returns the DEPLOY. */
    ModelControl deploy(String name, long version, long generation, Mlp mlp) throws Exception {
        byte[] bytes = mlp.toOnnx("features");
        return deploy(name, version, generation, bytes);
    }

    ModelControl deploy(String name, long version, long generation, byte[] bytes)
            throws Exception {
        return deploy(name, version, generation, bytes, ModelPrecision.FP32);
    }

    /** A DEPLOY of a model whose input is {@code inputName} of {@code width} features. */
    ModelControl deploy(String name, long version, long generation, byte[] bytes,
            String inputName, int width) throws Exception {
        return deploy(name, version, generation, bytes, inputName, width, ModelPrecision.FP32);
    }

    ModelControl deploy(
            String name, long version, long generation, byte[] bytes, ModelPrecision precision)
            throws Exception {
        return deploy(name, version, generation, bytes, "features", WIDTH, precision);
    }

    private ModelControl deploy(String name, long version, long generation, byte[] bytes,
            String inputName, int width, ModelPrecision precision) throws Exception {
        Path file = store.resolve(name + "-v" + version + "-g" + generation + ".onnx");
        Files.write(file, bytes);
        return ControlRecords.deploy(
                name, version, generation, file.toUri().toString(), Hashes.sha256Hex(bytes),
                inputName, width, precision, key, "test");
    }

    /** Starts the inference job on {@code conf} at {@code parallelism} in the test's cluster. */
    static JobClient startInferenceJob(Configuration conf, int parallelism, String name)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf,
                ModelSetup.resolve(conf));
        return env.executeAsync(name);
    }

    /** Cancels {@code job} and closes {@code control}, either of which may be null. */
    static void stop(JobClient job, AutoCloseable control) throws Exception {
        try {
            if (job != null) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        } finally {
            if (control != null) {
                control.close();
            }
        }
    }
}
