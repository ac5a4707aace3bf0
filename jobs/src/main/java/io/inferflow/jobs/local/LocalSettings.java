package io.inferflow.jobs.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@code pipeline local} was asked for. */
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
        Map<String, String> overrides) {

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

    /** A {@code --model NAME[:VERSION]=FILE} argument. */
    public record ModelArg(String name, long version, Path file) {

        private static final Pattern FORM =
                Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)(?::([0-9]+))?=(.+)");

        /** Parses {@code NAME=FILE} or {@code NAME:VERSION=FILE}; version 1 when omitted. */
        public static ModelArg parse(String text) {
            Matcher m = FORM.matcher(text.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "model '" + text + "' is not NAME=FILE or NAME:VERSION=FILE"
                                + " (names use letters, digits, '.', '_' and '-')");
            }
            long version = m.group(2) == null ? 1 : Long.parseLong(m.group(2));
            if (version < 1) {
                throw new IllegalArgumentException(
                        "model '" + text + "': version must be >= 1, got " + version);
            }
            return new ModelArg(m.group(1), version, Path.of(m.group(3)));
        }
    }
}
