package io.inferflow.operators.labels;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/**
 * Options of the online evaluation against labels. Every option is listed in
 * docs/reference/configuration.md.
 */
public final class LabelOptions {

    public static final ConfigOption<Boolean> ENABLED =
            ConfigOptions.key("labels.enabled")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Read the labels topic and join each label with its event's"
                                    + " prediction for online accuracy, log-loss and absolute"
                                    + " error per model version.");

    public static final ConfigOption<Duration> JOIN_WINDOW =
            ConfigOptions.key("labels.join-window")
                    .durationType()
                    .defaultValue(LabelSettings.DEFAULT_JOIN_WINDOW)
                    .withDescription(
                            "How long (processing time) a prediction waits for its label, or a"
                                    + " label for its prediction; then it is dropped and counted"
                                    + " (labels_expired, labels_unmatched). Labels a stream can"
                                    + " join come with their outcome, mostly within minutes;"
                                    + " later ones belong to an offline evaluation.");

    public static final ConfigOption<Integer> MAX_PENDING =
            ConfigOptions.key("labels.max-pending")
                    .intType()
                    .defaultValue(LabelSettings.DEFAULT_MAX_PENDING)
                    .withDescription(
                            "The most event ids the labels join holds per subtask (waiting"
                                    + " predictions and waiting labels; a joined pair leaves at"
                                    + " once). When full,"
                                    + " the oldest is dropped and counted (labels_evicted), so"
                                    + " the join's state stays bounded whatever the rate. Size it"
                                    + " to events per second per subtask times the time labels"
                                    + " take to arrive.");

    public static final ConfigOption<Double> THRESHOLD =
            ConfigOptions.key("labels.threshold")
                    .doubleType()
                    .defaultValue(LabelSettings.DEFAULT_THRESHOLD)
                    .withDescription(
                            "A first score at or above it predicts class 1 for accuracy; labels"
                                    + " at or above 0.5 are class 1.");

    public static final ConfigOption<Integer> METRICS_WINDOW =
            ConfigOptions.key("labels.metrics.window")
                    .intType()
                    .defaultValue(LabelSettings.DEFAULT_METRICS_WINDOW)
                    .withDescription(
                            "Accuracy, log-loss and absolute error gauges are over this many"
                                    + " latest labels of the version, per subtask.");

    private LabelOptions() {}

    /** The settings these options give in {@code conf}; errors name the bad option. */
    public static LabelSettings settings(Configuration conf) {
        return new LabelSettings(
                conf.get(JOIN_WINDOW), conf.get(THRESHOLD), conf.get(METRICS_WINDOW),
                conf.get(MAX_PENDING));
    }
}
