package io.inferflow.cli.local;

import io.inferflow.jobs.ModelArg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@code pipeline local} was asked for.
 *
 * @param secureDir where a secured stack's certificates, secrets and client.properties go;
 *     null for the plaintext stack
 */
public record LocalSettings(
        Duration duration,
        double rate,
        List<ModelArg> models,
        int parallelism,
        int kafkaPort,
        int registryPort,
        int webPort,
        int metricsPort,
        Duration checkpointInterval,
        Duration statusEvery,
        Path workDir,
        Path logFile,
        Map<String, String> overrides,
        Path secureDir) {

    /** A plaintext stack. */
    public LocalSettings(Duration duration, double rate, List<ModelArg> models, int parallelism,
            int kafkaPort, int registryPort, int webPort, int metricsPort,
            Duration checkpointInterval, Duration statusEvery, Path workDir, Path logFile,
            Map<String, String> overrides) {
        this(duration, rate, models, parallelism, kafkaPort, registryPort, webPort, metricsPort,
                checkpointInterval, statusEvery, workDir, logFile, overrides, null);
    }

    public LocalSettings {
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be >= 0, got " + rate);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("--duration must be >= 0, got " + duration);
        }
        models = List.copyOf(models);
        overrides = Map.copyOf(overrides);
    }
}
