package io.inferflow.jobs;

import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.YamlParserUtils;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.registry.SchemaRegistryException;
import io.inferflow.jobs.kafka.KafkaProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Wires the real I/O and runs the inference job: {@code main} is what {@code flink run} starts
 * (with {@code --evaluation}, the {@link EvaluationJob} instead), and {@code pipeline job --config
 * FILE} calls {@link #run}.
 */
public final class InferenceJob {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceJob.class);

    /** The job's name; the evaluation job's is this with {@code -evaluation}. */
    public static final String NAME = "inferflow";

    private static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(20);

    private InferenceJob() {}

    /**
     * {@code flink run inferflow-job.jar --config FILE [-D key=value]... [--evaluation]}: the
     * arguments of {@code pipeline job} ({@link JobCommand}). Never calls {@code System.exit}:
     * in application mode this runs inside the JobManager.
     */
    public static void main(String[] args) throws Exception {
        JobCommand command = JobCommand.parse(args);
        if (command != null) {
            command.call();
        }
    }

    /** Checks the configuration and the topics, resolves the starting models, runs the job. */
    public static void run(Configuration conf) throws Exception {
        checkExactlyOnceHasCheckpoints(conf);
        checkTopicsExist(conf, topics(conf));
        checkRegistry(conf);
        ModelSetup models = ModelSetup.resolve(conf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(SecretKeys.redacted(conf));
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf, models);
        env.execute(NAME);
    }

    /** The topics the inference job reads or writes. */
    static List<String> topics(Configuration conf) {
        List<String> topics =
                new ArrayList<>(List.of(
                        conf.get(JobOptions.FEATURES_TOPIC),
                        conf.get(JobOptions.PREDICTIONS_TOPIC),
                        conf.get(JobOptions.DEAD_LETTERS_TOPIC),
                        conf.get(JobOptions.MODEL_CONTROL_TOPIC),
                        conf.get(JobOptions.MODEL_STATUS_TOPIC),
                        conf.get(JobOptions.PREDICTIONS_SHADOW_TOPIC),
                        conf.get(JobOptions.MODEL_ROLLOUTS_TOPIC)));
        if (conf.get(DriftOptions.ENABLED)) {
            topics.add(conf.get(JobOptions.DRIFT_COUNTS_TOPIC));
        }
        return topics;
    }

    /** Options from a YAML file (nested keys are joined with '.'), then the overrides. */
    public static Configuration loadConfiguration(Path file, Map<String, String> overrides)
            throws Exception {
        Configuration conf = new Configuration();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("config file " + file + " does not exist");
            }
            flatten("", YamlParserUtils.loadYamlFile(file.toFile()), conf);
        }
        overrides.forEach(conf::setString);
        return conf;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Configuration conf) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map) {
                flatten(key, (Map<String, Object>) e.getValue(), conf);
            } else if (e.getValue() instanceof java.util.List) {
                conf.setString(key, String.join(";", ((java.util.List<Object>) e.getValue())
                        .stream().map(String::valueOf).toArray(String[]::new)));
            } else if (e.getValue() != null) {
                conf.setString(key, String.valueOf(e.getValue()));
            }
        }
    }

    /**
     * Fails naming the missing topics and the command that creates them: the jobs do not create
     * topics, and a sink writing to a missing one would only time out. Fails, too, when Kafka
     * refuses the job's credentials or does not answer, saying which ({@link KafkaProbe}).
     */
    static void checkTopicsExist(Configuration conf, List<String> needed) throws Exception {
        KafkaClients clients = KafkaClients.common(conf);
        Set<String> existing = KafkaProbe.topics(clients, TOPIC_CHECK_TIMEOUT);
        List<String> missing = needed.stream().filter(t -> !existing.contains(t)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    "topics " + missing + " do not exist at " + clients.bootstrapServers()
                            + "; create every topic the jobs use with 'pipeline topics create"
                            + " --bootstrap " + clients.bootstrapServers()
                            + (clients.properties().isEmpty() ? "" : " --command-config FILE")
                            + "' (docs/reference/topics-and-schemas.md)");
        }
    }

    /**
     * Fails when the registry refuses the job's credentials or its TLS settings, with the
     * registry client's one-line message; a registry that does not answer is only a warning
     * (the tasks retry with backoff until it does).
     */
    static void checkRegistry(Configuration conf) {
        RegistrySettings settings = JobRegistry.settings(conf).validate();
        try {
            new SchemaRegistryClient(settings).subjects();
        } catch (SchemaRegistryException e) {
            int code = e.errorCode();
            if (code == SchemaRegistryException.UNAUTHORIZED
                    || code == SchemaRegistryException.FORBIDDEN
                    || code == SchemaRegistryException.TLS_FAILED) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            LOG.warn("schema registry check at start failed; the tasks retry: {}",
                    e.getMessage());
        } catch (java.io.IOException e) {
            LOG.warn("schema registry check at start failed; the tasks retry: {}", e.toString());
        }
    }

    static void checkExactlyOnceHasCheckpoints(Configuration conf) {
        if (conf.get(JobOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE
                && !conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent()) {
            throw new IllegalArgumentException(
                    "delivery.mode is exactly-once but checkpointing is off:"
                            + " set execution.checkpointing.interval (e.g. 10s), or predictions"
                            + " are never committed");
        }
    }
}
