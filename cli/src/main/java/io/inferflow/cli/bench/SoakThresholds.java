package io.inferflow.cli.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * When a soak run fails. After the first {@code warmupSamples} samples, the last of which is
 * the baseline, checkpoint state may grow by at most {@code stateMargin} and RSS by at most
 * {@code rssMargin} (fractions: 0.5 is 50%), and every sample must read back at least
 * {@code minServedShare} of {@code rate} predictions per second. At no time may a job restart,
 * a checkpoint fail or a job leave RUNNING.
 */
public record SoakThresholds(
        double rate,
        int warmupSamples,
        Duration warmup,
        double stateMargin,
        double rssMargin,
        double minServedShare) {

    /** Share of the producer rate that must come back as predictions after warm-up. */
    public static final double DEFAULT_MIN_SERVED_SHARE = 0.9;

    public SoakThresholds {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("the soak needs a producer: --rate must be > 0,"
                    + " got " + rate);
        }
        if (warmupSamples < 1) {
            throw new IllegalArgumentException(
                    "warm-up must cover at least one sample, got " + warmupSamples);
        }
        if (stateMargin < 0 || rssMargin < 0) {
            throw new IllegalArgumentException("margins must be >= 0, got state " + stateMargin
                    + " and RSS " + rssMargin);
        }
    }

    /** The rules in words, one per line, as the run prints them before its first sample. */
    public List<String> describe() {
        return List.of(
                String.format(Locale.ROOT, "warm-up: %d s (the first %d samples); its last"
                        + " sample is the baseline", warmup.toSeconds(), warmupSamples),
                "fails on: any restart of any job, any failed checkpoint, a job not RUNNING",
                String.format(Locale.ROOT, "fails after warm-up on: checkpoint state of a job"
                        + " > baseline +%s, RSS > baseline +%s, predictions/s < %s of %,.0f"
                        + " events/s in a sample",
                        percent(stateMargin), percent(rssMargin), percent(minServedShare), rate));
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }
}
