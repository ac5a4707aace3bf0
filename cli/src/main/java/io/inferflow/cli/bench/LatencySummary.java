package io.inferflow.cli.bench;

import java.util.Arrays;

/**
 * Count, p50, p99 and maximum of a set of latencies in milliseconds. Percentiles use the
 * nearest-rank method: the p-th percentile is the smallest value such that at least p% of the
 * values are at or below it, so it is always one of the measured values.
 */
public record LatencySummary(int count, double p50Ms, double p99Ms, double maxMs) {

    public LatencySummary {
        if (count < 1) {
            throw new IllegalArgumentException("a latency summary needs values, got " + count);
        }
    }

    /** Summarises {@code valuesMs} (not modified); fails when it is empty. */
    public static LatencySummary of(double[] valuesMs) {
        if (valuesMs.length == 0) {
            throw new IllegalArgumentException("no latency values to summarise");
        }
        double[] sorted = valuesMs.clone();
        Arrays.sort(sorted);
        return new LatencySummary(
                sorted.length,
                percentile(sorted, 50),
                percentile(sorted, 99),
                sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of sorted values, {@code 0 < p <= 100}. */
    static double percentile(double[] sorted, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values to take the " + p + "th percentile of");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
