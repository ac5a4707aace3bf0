package io.inferflow.cli.bench;

/**
 * What one configuration measured on one model.
 *
 * @param events events scored in the throughput phase
 * @param eventsPerSecond throughput: for {@link BenchConfig#RAW} rows over wall time, for the
 *     job configurations events over the span of their {@code scored_at} times
 * @param latency for {@link BenchConfig#RAW} the time of one ONNX Runtime call on a batch; for
 *     the job configurations {@code scored_at - event_time} in the latency phase
 * @param visible {@code time read (read_committed) - event_time} in the latency phase; null for
 *     {@link BenchConfig#RAW}
 * @param latencyRate events/s offered in the latency phase; 0 for {@link BenchConfig#RAW}
 * @param cpuSecondsPerMillion CPU seconds of the whole process (broker, registry, job, producer
 *     and reader) per million predictions in the latency phase; -1 for {@link BenchConfig#RAW}
 * @param peakRssBytes the process's peak resident memory in the latency phase; -1 when not
 *     measured
 * @param modelNativeBytes native memory one ONNX Runtime session of the model holds (resident
 *     growth while it loads, {@code OnnxModel#nativeBytes}); -1 when not measured
 */
public record BenchResult(
        String model,
        BenchConfig config,
        long events,
        double eventsPerSecond,
        LatencySummary latency,
        LatencySummary visible,
        double latencyRate,
        double cpuSecondsPerMillion,
        long peakRssBytes,
        long modelNativeBytes) {

    /** A row without resource measurements. */
    public BenchResult(String model, BenchConfig config, long events, double eventsPerSecond,
            LatencySummary latency, LatencySummary visible, double latencyRate) {
        this(model, config, events, eventsPerSecond, latency, visible, latencyRate, -1, -1, -1);
    }

    public BenchResult {
        if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
            throw new IllegalArgumentException(
                    "[" + model + "] " + config.label() + ": events/s must be a positive number,"
                            + " got " + eventsPerSecond);
        }
    }

    /** This row with the model's native memory. */
    BenchResult withModelNativeBytes(long bytes) {
        return new BenchResult(model, config, events, eventsPerSecond, latency, visible,
                latencyRate, cpuSecondsPerMillion, peakRssBytes, bytes);
    }
}
