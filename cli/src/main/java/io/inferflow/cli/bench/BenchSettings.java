package io.inferflow.cli.bench;

import io.inferflow.model.RuntimeSettings;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code pipeline bench} was asked for, validated.
 *
 * @param models {@code small}, {@code wide} or paths of ONNX files, in run order
 * @param events events per throughput phase, or null for each model's default
 * @param latencyRate events/s of the latency phase, or null for the automatic rate
 * @param command the command line as typed, recorded in the JSON output
 * @param canaryPercent the share of entities the {@link BenchConfig#CANARY} candidate scores
 * @param device where the raw runs and the jobs' sessions run ({@code inference.device}); the
 *     bench's default is CPU, so that results do not depend on which ONNX Runtime build runs them
 * @param jobOptions {@code -D} options set on every bench job last, over the bench's own
 */
public record BenchSettings(
        List<String> models,
        Long events,
        int batchSize,
        int parallelism,
        Double latencyRate,
        int latencySeconds,
        Duration checkpointInterval,
        Set<BenchConfig> configs,
        String command,
        long swapEvery,
        RuntimeSettings.Device device,
        double canaryPercent,
        Map<String, String> jobOptions) {

    /** Highest automatic latency-phase rate, events/s. */
    public static final double MAX_AUTO_RATE = 2000;

    /** Share of the slowest job configuration's throughput the automatic rate offers. */
    public static final double AUTO_RATE_SHARE = 0.5;

    public BenchSettings {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("--model: at least one model is needed");
        }
        if (events != null && events < parallelism) {
            throw new IllegalArgumentException(
                    "--events must be at least --parallelism (" + parallelism + "), got "
                            + events);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
        }
        if (latencyRate != null && !(latencyRate > 0 && latencyRate <= 1_000_000)) {
            throw new IllegalArgumentException(
                    "--latency-rate must be in (0, 1000000] events/s, got " + latencyRate);
        }
        if (!(canaryPercent > 0 && canaryPercent < 100)) {
            throw new IllegalArgumentException(
                    "--canary must be above 0 and below 100 percent, got " + canaryPercent);
        }
        if (latencySeconds < 1) {
            throw new IllegalArgumentException(
                    "--latency-seconds must be >= 1, got " + latencySeconds);
        }
        if (checkpointInterval.toMillis() < 10) {
            throw new IllegalArgumentException(
                    "checkpoint interval must be at least 10 ms, got " + checkpointInterval);
        }
        if (swapEvery < 0) {
            throw new IllegalArgumentException("--swap-every must be >= 1, got " + swapEvery);
        }
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("--only: at least one configuration is needed");
        }
        if (device == null) {
            throw new IllegalArgumentException("--device must be one of auto, cpu, cuda");
        }
        models = List.copyOf(models);
        configs = Set.copyOf(configs);
        jobOptions = Map.copyOf(jobOptions);
    }

    /** Settings without {@code -D} job options. */
    public BenchSettings(List<String> models, Long events, int batchSize, int parallelism,
            Double latencyRate, int latencySeconds, Duration checkpointInterval,
            Set<BenchConfig> configs, String command, long swapEvery,
            RuntimeSettings.Device device, double canaryPercent) {
        this(models, events, batchSize, parallelism, latencyRate, latencySeconds,
                checkpointInterval, configs, command, swapEvery, device, canaryPercent, Map.of());
    }

    /** Events of a throughput phase for a model whose default is {@code modelDefault}. */
    public long eventsFor(long modelDefault) {
        return events != null ? events : modelDefault;
    }

    /**
     * The latency-phase rate: {@code --latency-rate} when given, else half the slowest measured
     * job throughput of the model, at most {@value #MAX_AUTO_RATE} events/s, rounded down to 50.
     */
    public double latencyRateFor(double slowestJobEventsPerSecond) {
        if (latencyRate != null) {
            return latencyRate;
        }
        double auto = Math.min(MAX_AUTO_RATE, AUTO_RATE_SHARE * slowestJobEventsPerSecond);
        return Math.max(50, Math.floor(auto / 50) * 50);
    }
}
