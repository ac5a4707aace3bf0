package io.inferflow.operators.drift;

import io.inferflow.model.profile.DriftThresholds;

import java.io.Serializable;
import java.time.Duration;

/**
 * How drift is detected: whether at all, when a window closes (after {@code windowEvents} events
 * or {@code windowTime}, whichever comes first; 0 turns either off, not both), the fewest events
 * a window closed by time needs, how often each inference subtask sends its counts, the PSI bands
 * and how many features get a per-feature gauge. Immutable; see {@link DriftOptions} for the
 * configuration keys.
 *
 * <pre>{@code
 * DriftSettings settings = DriftSettings.defaults().withWindow(5_000, Duration.ZERO);
 * }</pre>
 */
public record DriftSettings(
        boolean enabled,
        long windowEvents,
        Duration windowTime,
        long minEvents,
        Duration flushInterval,
        double moderate,
        double major,
        int maxFeatureGauges)
        implements Serializable {

    public static final long DEFAULT_WINDOW_EVENTS = 10_000;
    public static final Duration DEFAULT_WINDOW_TIME = Duration.ofMinutes(5);
    public static final long DEFAULT_MIN_EVENTS = 100;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_FEATURE_GAUGES = 64;

    /** Checks every value; errors name the option and the bad value. */
    public DriftSettings {
        if (windowEvents < 0) {
            throw new IllegalArgumentException(
                    DriftOptions.WINDOW_EVENTS.key() + " must be 0 or positive, got "
                            + windowEvents);
        }
        if (windowTime == null || windowTime.isNegative()) {
            throw new IllegalArgumentException(
                    DriftOptions.WINDOW_TIME.key() + " must be 0 or positive, got " + windowTime);
        }
        if (enabled && windowEvents == 0 && windowTime.isZero()) {
            throw new IllegalArgumentException(
                    DriftOptions.WINDOW_EVENTS.key() + " and " + DriftOptions.WINDOW_TIME.key()
                            + " are both 0: a drift window would never close; set one, or"
                            + " set " + DriftOptions.ENABLED.key() + ": false");
        }
        if (minEvents < 1) {
            throw new IllegalArgumentException(
                    DriftOptions.MIN_EVENTS.key() + " must be at least 1, got " + minEvents);
        }
        if (flushInterval == null || flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException(
                    DriftOptions.FLUSH_INTERVAL.key() + " must be positive, got "
                            + flushInterval);
        }
        if (maxFeatureGauges < 0) {
            throw new IllegalArgumentException(
                    DriftOptions.MAX_FEATURE_GAUGES.key() + " must be 0 or positive, got "
                            + maxFeatureGauges);
        }
        try {
            DriftThresholds.of(moderate, major);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    DriftOptions.PSI_MODERATE.key() + " / " + DriftOptions.PSI_MAJOR.key() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Drift on, windows of 10,000 events or 5 minutes, PSI bands 0.1 and 0.25. */
    public static DriftSettings defaults() {
        return new DriftSettings(
                true,
                DEFAULT_WINDOW_EVENTS,
                DEFAULT_WINDOW_TIME,
                DEFAULT_MIN_EVENTS,
                DEFAULT_FLUSH_INTERVAL,
                DriftThresholds.DEFAULT_MODERATE,
                DriftThresholds.DEFAULT_MAJOR,
                DEFAULT_MAX_FEATURE_GAUGES);
    }

    /** No drift detection: nothing is counted. */
    public static DriftSettings disabled() {
        return new DriftSettings(
                false, 0, Duration.ZERO, DEFAULT_MIN_EVENTS, DEFAULT_FLUSH_INTERVAL,
                DriftThresholds.DEFAULT_MODERATE, DriftThresholds.DEFAULT_MAJOR, 0);
    }

    public DriftSettings withWindow(long events, Duration time) {
        return new DriftSettings(
                enabled, events, time, minEvents, flushInterval, moderate, major,
                maxFeatureGauges);
    }

    public DriftSettings withFlushInterval(Duration interval) {
        return new DriftSettings(
                enabled, windowEvents, windowTime, minEvents, interval, moderate, major,
                maxFeatureGauges);
    }

    public DriftThresholds thresholds() {
        return DriftThresholds.of(moderate, major);
    }

    /**
     * How many events a subtask counts before it sends its counts, besides every {@link
     * #flushInterval()}: a quarter of a window's share per subtask, so that a window closed by
     * count overshoots by little; unbounded when windows close by time only.
     */
    public long flushEvents(int parallelism) {
        if (windowEvents == 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(64, windowEvents / (4L * Math.max(1, parallelism)));
    }
}
