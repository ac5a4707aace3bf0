package io.inferflow.operators.rollout;

import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutReport;
import org.apache.flink.metrics.MetricGroup;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The rollout judge's gauges of one model, in group {@code model=<name>}, then {@value #GROUP},
 * read from the model's latest {@link RolloutReport}: for example {@code
 * flink_taskmanager_job_task_operator_model_rollout_scorePsi{model="fraud"}}. NaN while a value
 * is unknown (no rollout yet, no candidate score yet).
 */
public final class RolloutMetrics {

    public static final String GROUP = "rollout";
    public static final String CANDIDATE_VERSION = "candidateVersion";
    public static final String CANDIDATE_EVENTS = "candidateEvents";
    public static final String CANDIDATE_FAILURE_RATE = "candidateFailureRate";
    public static final String STABLE_P99_MS = "stableP99Ms";
    public static final String CANDIDATE_P99_MS = "candidateP99Ms";
    public static final String SCORE_PSI = "scorePsi";
    public static final String AGREEMENT = "agreement";
    /** 0 running, 1 promoted, 2 aborted (the latest rollout's outcome). */
    public static final String DECISION = "decision";

    private RolloutMetrics() {}

    static void register(MetricGroup parent, String model, Supplier<RolloutReport> latest) {
        MetricGroup group = parent.addGroup(ModelMetrics.GROUP, model).addGroup(GROUP);
        gauge(group, CANDIDATE_VERSION, latest, r -> (double) r.getCandidateVersion());
        gauge(group, CANDIDATE_EVENTS, latest, r -> (double) r.getCandidateEvents());
        gauge(group, CANDIDATE_FAILURE_RATE, latest, RolloutReport::getCandidateFailureRate);
        gauge(group, STABLE_P99_MS, latest, RolloutReport::getStableP99Ms);
        gauge(group, CANDIDATE_P99_MS, latest, RolloutReport::getCandidateP99Ms);
        gauge(group, SCORE_PSI, latest, RolloutReport::getScorePsi);
        gauge(group, AGREEMENT, latest, RolloutReport::getAgreement);
        gauge(group, DECISION, latest, r -> r.getDecision() == RolloutDecision.RUNNING ? 0.0
                : r.getDecision() == RolloutDecision.PROMOTED ? 1.0 : 2.0);
    }

    private static void gauge(MetricGroup group, String name, Supplier<RolloutReport> latest,
            Function<RolloutReport, Double> value) {
        group.<Double, org.apache.flink.metrics.Gauge<Double>>gauge(name, () -> {
            RolloutReport report = latest.get();
            Double v = report == null ? null : value.apply(report);
            return v == null ? Double.NaN : v;
        });
    }
}
