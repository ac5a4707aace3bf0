package io.inferflow.jobs;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.YamlParserUtils;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Wires the real I/O and runs the job: {@code main} is what {@code flink run} starts, and
 * {@code pipeline job --config FILE} calls {@link #run}.
 */
public final class InferenceJob {

    private InferenceJob() {}

    public static void main(String[] args) throws Exception {
        Path config = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--config")) {
                config = Path.of(args[i + 1]);
            }
        }
        run(loadConfiguration(config, Map.of()));
    }

    public static void run(Configuration conf) throws Exception {
        checkExactlyOnceHasCheckpoints(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf);
        env.execute("inferflow");
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

    static void checkExactlyOnceHasCheckpoints(Configuration conf) {
        if (conf.get(PipelineOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE
                && !conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent()) {
            throw new IllegalArgumentException(
                    "kafka.sink.delivery-guarantee is exactly-once but checkpointing is off:"
                            + " set execution.checkpointing.interval (e.g. 10s), or predictions"
                            + " are never committed");
        }
    }
}
