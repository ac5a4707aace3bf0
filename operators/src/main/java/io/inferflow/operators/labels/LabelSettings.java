package io.inferflow.operators.labels;

import java.io.Serializable;
import java.time.Duration;

/**
 * How predictions and labels are joined and evaluated; see {@link LabelOptions} for the keys.
 *
 * @param joinWindow how long either side waits for the other (processing time)
 * @param threshold a first score at or above it predicts class 1
 * @param metricsWindow how many latest labels the gauges cover
 * @param maxPending how many event ids the join holds per subtask at most
 */
public record LabelSettings(
        Duration joinWindow, double threshold, int metricsWindow, int maxPending)
        implements Serializable {

    /**
     * Labels that a stream can join arrive with their outcome (a click, a decline, a chargeback
     * decision), mostly within minutes; later ones belong to an offline evaluation.
     */
    public static final Duration DEFAULT_JOIN_WINDOW = Duration.ofMinutes(10);
    /** ~100 bytes of heap and ~60 bytes of checkpoint each: ~10 MB and ~6 MB per subtask. */
    public static final int DEFAULT_MAX_PENDING = 100_000;
    public static final double DEFAULT_THRESHOLD = 0.5;
    public static final int DEFAULT_METRICS_WINDOW = 1000;

    /** Checks every value; errors name the option and the bad value. */
    public LabelSettings {
        if (joinWindow == null || joinWindow.isNegative() || joinWindow.isZero()) {
            throw new IllegalArgumentException(
                    LabelOptions.JOIN_WINDOW.key() + " must be positive, got " + joinWindow);
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException(
                    LabelOptions.THRESHOLD.key() + " must be finite, got " + threshold);
        }
        if (metricsWindow < 1) {
            throw new IllegalArgumentException(
                    LabelOptions.METRICS_WINDOW.key() + " must be at least 1, got "
                            + metricsWindow);
        }
        if (maxPending < 1) {
            throw new IllegalArgumentException(
                    LabelOptions.MAX_PENDING.key() + " must be at least 1, got " + maxPending);
        }
    }

    /** The same settings with another bound. */
    public LabelSettings withMaxPending(int bound) {
        return new LabelSettings(joinWindow, threshold, metricsWindow, bound);
    }

    public static LabelSettings defaults() {
        return new LabelSettings(
                DEFAULT_JOIN_WINDOW, DEFAULT_THRESHOLD, DEFAULT_METRICS_WINDOW,
                DEFAULT_MAX_PENDING);
    }
}
