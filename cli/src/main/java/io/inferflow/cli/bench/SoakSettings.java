package io.inferflow.cli.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code pipeline bench --soak} was asked for: how long to run local mode at which rate,
 * how often to sample, the warm-up and the margins, where to write the results.
 */
public record SoakSettings(
        Duration duration,
        double rate,
        Duration sampleEvery,
        Duration warmup,
        double stateMargin,
        double rssMargin,
        Path outDir,
        String command) {

    /** A soak needs a baseline and samples after it; fewer than this says nothing. */
    static final int MIN_SAMPLES = 3;

    /** Warm-up of a run too short for the asked one: the first this many samples. */
    static final int SHORT_RUN_WARMUP_SAMPLES = 2;

    public SoakSettings {
        if (sampleEvery.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(
                    "--sample-every must be at least 1 s, got " + sampleEvery.toMillis() + " ms");
        }
        long samples = duration.toMillis() / sampleEvery.toMillis();
        if (samples < MIN_SAMPLES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "--soak %d min with --sample-every %d s gives %d samples; at least %d are"
                            + " needed (a baseline and samples after warm-up)",
                    duration.toMinutes(), sampleEvery.toSeconds(), samples, MIN_SAMPLES));
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
    }

    /** Samples the run takes: one every {@link #sampleEvery} for {@link #duration}. */
    public int samples() {
        return (int) (duration.toMillis() / sampleEvery.toMillis());
    }

    /**
     * Samples in warm-up: those within {@link #warmup}, at least one; the first {@value
     * #SHORT_RUN_WARMUP_SAMPLES} when the warm-up leaves no sample after it.
     */
    public int warmupSamples() {
        int within = (int) Math.max(1, warmup.toMillis() / sampleEvery.toMillis());
        return within < samples() ? within : SHORT_RUN_WARMUP_SAMPLES;
    }

    public SoakThresholds thresholds() {
        return new SoakThresholds(
                rate,
                warmupSamples(),
                sampleEvery.multipliedBy(warmupSamples()),
                stateMargin,
                rssMargin,
                SoakThresholds.DEFAULT_MIN_SERVED_SHARE);
    }
}
