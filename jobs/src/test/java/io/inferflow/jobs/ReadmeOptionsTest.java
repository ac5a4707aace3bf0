package io.inferflow.jobs;

import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's configuration table lists every option the job reads. */
class ReadmeOptionsTest {

    @Test
    void everyOptionIsInTheReadmeConfigurationTable() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> keys = new ArrayList<>();
        keys.addAll(keys(JobOptions.class));
        keys.addAll(keys(InferenceOptions.class));
        keys.addAll(keys(DriftOptions.class));
        keys.addAll(keys(LabelOptions.class));
        assertTrue(keys.size() > 20, "options found: " + keys);
        List<String> missing =
                keys.stream().filter(k -> !readme.contains("| `" + k + "` |")).toList();
        assertEquals(List.of(), missing, "options missing from the README's configuration table");
    }

    private static List<String> keys(Class<?> options) throws IllegalAccessException {
        List<String> keys = new ArrayList<>();
        for (Field f : options.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                keys.add(((ConfigOption<?>) f.get(null)).key());
            }
        }
        return keys;
    }
}
