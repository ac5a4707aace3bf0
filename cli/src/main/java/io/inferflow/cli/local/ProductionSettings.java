package io.inferflow.cli.local;

import io.inferflow.jobs.InferenceJob;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The settings local mode takes from production's {@code flink-conf/config.yaml} (bundled into
 * the jar at build time), so that it checkpoints, keeps state and restarts as a cluster does:
 * the restart strategy, the state backend, and how checkpoints are taken and stored. Addresses,
 * directories, ports, memory and the checkpoint interval stay local mode's own.
 */
final class ProductionSettings {

    /** Where the build puts {@code flink-conf/config.yaml} in the jar. */
    static final String RESOURCE = "/inferflow/flink-conf/config.yaml";

    /** Keys taken as they are, and prefixes of keys taken as they are. */
    static final List<String> KEYS =
            List.of(
                    "state.backend.type",
                    "execution.checkpointing.mode",
                    "execution.checkpointing.unaligned.enabled",
                    "execution.checkpointing.timeout",
                    "execution.checkpointing.max-concurrent-checkpoints",
                    "execution.checkpointing.tolerable-failed-checkpoints",
                    "execution.checkpointing.num-retained",
                    "execution.checkpointing.storage");

    static final String RESTART_PREFIX = "restart-strategy";

    private ProductionSettings() {}

    /** A configuration holding only production's settings of {@link #KEYS} and restarts. */
    static Configuration load() {
        Configuration all = read();
        Configuration taken = new Configuration();
        for (Map.Entry<String, String> e : all.toMap().entrySet()) {
            if (KEYS.contains(e.getKey()) || e.getKey().startsWith(RESTART_PREFIX)) {
                taken.setString(e.getKey(), e.getValue());
            }
        }
        return taken;
    }

    /** Every option of the bundled file. */
    static Configuration read() {
        try (InputStream in = ProductionSettings.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        RESOURCE + " is not on the classpath: the build copies"
                                + " flink-conf/config.yaml there (cli/pom.xml)");
            }
            Path file = Files.createTempFile("inferflow-config", ".yaml");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return InferenceJob.loadConfiguration(file, Map.of());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e, e);
        }
    }
}
