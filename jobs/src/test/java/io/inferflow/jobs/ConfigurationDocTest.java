package io.inferflow.jobs;

import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration reference ({@code docs/reference/configuration.md}) lists exactly the
 * options the job defines: every {@link ConfigOption} key of {@link KnownOptions} is in its table,
 * and every key in the table's first column is one of them.
 */
class ConfigurationDocTest {

    private static final Path CONFIGURATION_DOC =
            Path.of("..", "docs", "reference", "configuration.md");

    /** A table row whose first cell is a single key in backticks: {@code | `a.b-c` | ...}. */
    private static final Pattern TABLE_KEY =
            Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|", Pattern.MULTILINE);

    @Test
    void everyOptionIsInTheConfigurationTable() throws Exception {
        List<String> documented = documentedKeys();
        List<String> missing =
                optionKeys().stream().filter(k -> !documented.contains(k)).toList();
        assertEquals(List.of(), missing, "options missing from " + CONFIGURATION_DOC);
    }

    @Test
    void everyKeyInTheConfigurationTableIsAnOption() throws Exception {
        List<String> options = optionKeys();
        List<String> unknown =
                documentedKeys().stream().filter(k -> !options.contains(k)).toList();
        assertEquals(List.of(), unknown, "keys in " + CONFIGURATION_DOC + " that no option has");
    }

    private static List<String> documentedKeys() throws Exception {
        Matcher m = TABLE_KEY.matcher(Files.readString(CONFIGURATION_DOC));
        List<String> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(m.group(1));
        }
        assertTrue(keys.size() > 20, "keys found in the table: " + keys);
        return keys;
    }

    private static List<String> optionKeys() {
        List<String> keys = new ArrayList<>(KnownOptions.keys());
        assertTrue(keys.size() > 20, "options found: " + keys);
        return keys;
    }
}
