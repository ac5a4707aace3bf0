package io.inferflow.jobs;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.YamlParserUtils;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flink-conf/config.yaml} and {@code config-gpu.yaml} use only options that exist in
 * Flink 2.2 (a misspelt key is silently ignored by Flink), with values of the right type, and
 * the TaskManager memory model they describe resolves.
 */
class FlinkConfFilesTest {

    private static final Path CONF_DIR = Path.of("..", "flink-conf");

    private static final List<Class<?>> OPTION_CLASSES =
            List.of(
                    CheckpointingOptions.class,
                    CoreOptions.class,
                    PipelineOptions.class,
                    JobManagerOptions.class,
                    RestOptions.class,
                    RestartStrategyOptions.class,
                    StateBackendOptions.class,
                    TaskManagerOptions.class,
                    ExternalResourceOptions.class);

    /**
     * Keys of a reporter, after {@code metrics.reporter.<name>.}: the factory class and the
     * Prometheus reporter's port (PrometheusReporterFactory.ARG_PORT, package-private).
     */
    private static final Set<String> REPORTER_KEYS =
            Set.of(MetricOptions.REPORTER_FACTORY_CLASS.key(), "port");

    @Test
    void everyKeyIsAFlinkOption() throws Exception {
        Map<String, ConfigOption<?>> options = options();
        List<String> unknown = new ArrayList<>();
        for (String file : List.of("config.yaml", "config-gpu.yaml")) {
            for (String key : keys(CONF_DIR.resolve(file))) {
                String reporterKey = key.replaceFirst("^metrics\\.reporter\\.[^.]+\\.", "");
                String generic =
                        key.replaceFirst(
                                "^external-resource\\.[^.]+\\.",
                                "external-resource.<resource_name>.");
                boolean known =
                        options.containsKey(key)
                                || options.containsKey(generic)
                                || (!reporterKey.equals(key)
                                        && REPORTER_KEYS.contains(reporterKey));
                if (!known) {
                    unknown.add(file + ": " + key);
                }
            }
        }
        assertEquals(List.of(), unknown, "keys that are no Flink 2.2 option");
    }

    @Test
    void valuesParseAndTheTaskManagerMemoryResolves() {
        Configuration conf = GlobalConfiguration.loadConfiguration(CONF_DIR.toString());
        Map<String, ConfigOption<?>> options = options();
        for (String key : conf.keySet()) {
            ConfigOption<?> option = options.get(key);
            if (option != null) {
                conf.get(option); // throws on a value of the wrong type
            }
        }
        assertEquals(CheckpointingMode.EXACTLY_ONCE,
                conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE));
        assertTrue(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toSeconds() > 0);
        assertEquals("exponential-delay", conf.get(RestartStrategyOptions.RESTART_STRATEGY));
        assertEquals("hashmap", conf.get(StateBackendOptions.STATE_BACKEND));
        assertTrue(conf.get(CoreOptions.FLINK_JVM_OPTIONS)
                .contains("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.inferflow.schemas.avro,"));
        assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                conf.getString("metrics.reporter.prom.factory.class", null));

        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        // ONNX Runtime's native memory lives in the JVM overhead.
        assertTrue(spec.getJvmOverheadSize().compareTo(MemorySize.parse("768m")) >= 0,
                spec::toString);
        assertTrue(spec.getTaskOffHeapSize().compareTo(MemorySize.parse("256m")) >= 0,
                spec::toString);
    }

    private static List<String> keys(Path file) throws Exception {
        List<String> keys = new ArrayList<>();
        flatten("", YamlParserUtils.loadYamlFile(file.toFile()), keys);
        return keys;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, List<String> keys) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map) {
                flatten(key, (Map<String, Object>) e.getValue(), keys);
            } else {
                keys.add(key);
            }
        }
    }

    private static Map<String, ConfigOption<?>> options() {
        Map<String, ConfigOption<?>> options = new HashMap<>();
        try {
            for (Class<?> c : OPTION_CLASSES) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                        f.setAccessible(true);
                        ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                        options.put(option.key(), option);
                    }
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return options;
    }
}
