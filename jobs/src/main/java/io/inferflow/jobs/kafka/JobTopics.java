package io.inferflow.jobs.kafka;

import io.inferflow.jobs.JobOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every topic the two jobs use, under the names of a job configuration, with the partitions and
 * configs they should be created with: the control topic compacted with one partition (the job
 * reads it in order with one reader), the status and rollout topics with one partition, the data
 * topics (predictions-shadow among them) with the requested partitions, each with an explicit
 * retention.
 */
public final class JobTopics {

    /** One topic to create. */
    public record Spec(String name, int partitions, Map<String, String> configs, String purpose) {}

    private static final String WEEK = String.valueOf(Duration.ofDays(7).toMillis());
    private static final String MONTH = String.valueOf(Duration.ofDays(30).toMillis());

    private JobTopics() {}

    /** The topics of {@code conf}; data topics get {@code partitions} partitions. */
    public static List<Spec> of(Configuration conf, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        return List.of(
                new Spec(conf.get(JobOptions.FEATURES_TOPIC), partitions,
                        Map.of("retention.ms", WEEK), "FeatureEvent input"),
                new Spec(conf.get(JobOptions.PREDICTIONS_TOPIC), partitions,
                        Map.of("retention.ms", WEEK), "Prediction output (transactional)"),
                new Spec(conf.get(JobOptions.PREDICTIONS_SHADOW_TOPIC), partitions,
                        Map.of("retention.ms", WEEK),
                        "Prediction output of shadow candidates (transactional)"),
                new Spec(conf.get(JobOptions.DEAD_LETTERS_TOPIC), partitions,
                        Map.of("retention.ms", MONTH), "DeadLetter output, kept a month"),
                new Spec(conf.get(JobOptions.LABELS_TOPIC), partitions,
                        Map.of("retention.ms", WEEK), "Label input"),
                new Spec(conf.get(JobOptions.DRIFT_COUNTS_TOPIC), partitions,
                        Map.of("retention.ms", WEEK), "DriftCounts between the jobs"),
                new Spec(conf.get(JobOptions.MODEL_CONTROL_TOPIC), 1,
                        Map.of("cleanup.policy", "compact"),
                        "ModelControl history, compacted, one partition"),
                new Spec(conf.get(JobOptions.MODEL_STATUS_TOPIC), 1,
                        Map.of("retention.ms", WEEK), "ModelStatus reports"),
                new Spec(conf.get(JobOptions.MODEL_ROLLOUTS_TOPIC), 1,
                        Map.of("retention.ms", WEEK), "RolloutReport output"),
                new Spec(conf.get(JobOptions.DRIFT_TOPIC), 1,
                        Map.of("retention.ms", MONTH), "DriftReport output, kept a month"));
    }
}
