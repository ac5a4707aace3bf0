package io.inferflow.jobs;

import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Wires the real I/O and runs the evaluation job ({@link EvaluationPipeline}): {@code flink run
 * inferflow-job.jar --config FILE --evaluation}, or {@code pipeline job --config FILE
 * --evaluation}. Deployed beside the inference job with the same configuration; it may stop,
 * fail or lag without touching predictions.
 */
public final class EvaluationJob {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationJob.class);

    /** The job's name. */
    public static final String NAME = InferenceJob.NAME + "-evaluation";

    private EvaluationJob() {}

    /** Checks the configuration and the topics, runs the job; nothing when nothing is enabled. */
    public static void run(Configuration conf) throws Exception {
        if (!EvaluationPipeline.enabled(conf)) {
            LOG.warn("{} and {} are both false: no evaluation job to run",
                    LabelOptions.ENABLED.key(), DriftOptions.ENABLED.key());
            return;
        }
        InferenceJob.checkExactlyOnceHasCheckpoints(conf);
        InferenceJob.checkTopicsExist(conf, topics(conf));
        InferenceJob.checkRegistry(conf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(SecretKeys.redacted(conf));
        EvaluationPipeline.build(env, KafkaPipelineIo.unbounded(conf), conf);
        env.execute(NAME);
    }

    /** The topics the evaluation job reads or writes. */
    static List<String> topics(Configuration conf) {
        List<String> topics = new ArrayList<>();
        if (conf.get(LabelOptions.ENABLED)) {
            topics.add(conf.get(JobOptions.PREDICTIONS_TOPIC));
            topics.add(conf.get(JobOptions.LABELS_TOPIC));
            topics.add(conf.get(JobOptions.DEAD_LETTERS_TOPIC));
        }
        if (conf.get(DriftOptions.ENABLED)) {
            topics.add(conf.get(JobOptions.DRIFT_COUNTS_TOPIC));
            topics.add(conf.get(JobOptions.DRIFT_TOPIC));
        }
        return topics;
    }
}
