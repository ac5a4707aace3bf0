package io.inferflow.operators.drift;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/** Options of drift detection. Every option is listed in docs/reference/configuration.md. */
public final class DriftOptions {

    public static final ConfigOption<Boolean> ENABLED =
            ConfigOptions.key("drift.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether model versions pushed with a reference profile are checked"
                                    + " for drift. Versions without a profile never are.");

    public static final ConfigOption<Long> WINDOW_EVENTS =
            ConfigOptions.key("drift.window.events")
                    .longType()
                    .defaultValue(DriftSettings.DEFAULT_WINDOW_EVENTS)
                    .withDescription(
                            "A drift window of a model version closes once this many events"
                                    + " were counted over all subtasks (it may overshoot by one"
                                    + " subtask's share). 0: close by time only.");

    public static final ConfigOption<Duration> WINDOW_TIME =
            ConfigOptions.key("drift.window.time")
                    .durationType()
                    .defaultValue(DriftSettings.DEFAULT_WINDOW_TIME)
                    .withDescription(
                            "A drift window also closes this long (processing time) after it"
                                    + " opened, if it has drift.window.min-events by then. 0:"
                                    + " close by count only.");

    public static final ConfigOption<Long> MIN_EVENTS =
            ConfigOptions.key("drift.window.min-events")
                    .longType()
                    .defaultValue(DriftSettings.DEFAULT_MIN_EVENTS)
                    .withDescription(
                            "Fewest events for a window closed by time; a smaller window stays"
                                    + " open until it has them, so that a quiet hour does not"
                                    + " raise alarms on a handful of events.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("drift.flush-interval")
                    .durationType()
                    .defaultValue(DriftSettings.DEFAULT_FLUSH_INTERVAL)
                    .withDescription(
                            "How often each inference subtask sends its bin counts to the drift"
                                    + " aggregator (also before every checkpoint and after a"
                                    + " quarter of its share of a window).");

    public static final ConfigOption<Double> PSI_MODERATE =
            ConfigOptions.key("drift.psi.moderate")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription(
                            "PSI at or above which a feature is flagged MODERATE (and counts as"
                                    + " drifted).");

    public static final ConfigOption<Double> PSI_MAJOR =
            ConfigOptions.key("drift.psi.major")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription("PSI above which a feature is flagged MAJOR.");

    public static final ConfigOption<Integer> MAX_FEATURE_GAUGES =
            ConfigOptions.key("drift.metrics.max-features")
                    .intType()
                    .defaultValue(DriftSettings.DEFAULT_MAX_FEATURE_GAUGES)
                    .withDescription(
                            "Per-feature PSI gauges per model version, for the first this many"
                                    + " profiled features (bounds the metric labels); every"
                                    + " feature is in the drift reports.");

    private DriftOptions() {}

    /** The settings these options give in {@code conf}; errors name the bad option. */
    public static DriftSettings settings(Configuration conf) {
        return new DriftSettings(
                conf.get(ENABLED),
                conf.get(WINDOW_EVENTS),
                conf.get(WINDOW_TIME),
                conf.get(MIN_EVENTS),
                conf.get(FLUSH_INTERVAL),
                conf.get(PSI_MODERATE),
                conf.get(PSI_MAJOR),
                conf.get(MAX_FEATURE_GAUGES));
    }
}
