package io.inferflow.operators.inference;

import io.inferflow.model.ExecutionProvider;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.operators.rollout.CanarySplit;
import io.inferflow.operators.rollout.RolloutTally;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.ModelPrecision;
import org.apache.flink.metrics.Gauge;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything one inference subtask knows about one model name: the desired control record, the
 * version being served, the version being loaded, the candidate of a rollout (serving or
 * loading) with its tally, and the events that wait for a version. Touched by the task thread
 * only, except {@link #activeVersion} which the metric reporter reads.
 */
final class ModelSlot {

    final String name;
    final ModelMetrics metrics;

    /** The control record with the highest generation seen (a copy of the broadcast state). */
    ModelControl desired;
    /** The version events are scored with; null while none. */
    ServedModel active;
    /** The record whose load is in flight; a result for any other generation is discarded. */
    ModelControl loading;
    /** The candidate of the desired record's rollout once loaded (role CANARY or SHADOW). */
    ServedModel candidate;
    /** The candidate's DEPLOY ({@link Rollouts#candidateControl}) whose load is in flight. */
    ModelControl candidateLoading;
    /** What this subtask counted of the rollout since its last send; null without a rollout. */
    RolloutTally tally;
    /**
     * Events that arrived while no version was active but one was loading, or that a canary
     * loading its candidate will score; not in a batch.
     */
    List<Pending> waiting = new ArrayList<>();
    boolean retired;
    /** Why the last load failed, for dead letters while nothing serves; null when none failed. */
    String lastRejection;

    volatile long activeVersion;
    /** Bits per weight of the active version: 32 (FP32), 16 (FP16), 8 (INT8); 0 while none. */
    volatile int activePrecisionBits;

    ModelSlot(String name, MetricsFactory metrics) {
        this.name = name;
        this.metrics = metrics.create(name, () -> activeVersion, () -> activePrecisionBits);
    }

    void activate(ServedModel model) {
        active = model;
        activeVersion = model == null ? 0L : model.control.getVersion();
        activePrecisionBits = model == null ? 0 : bits(model.control.getPrecision());
        metrics.activeOnGpu(
                model != null && model.scorer.executionProvider() == ExecutionProvider.CUDA);
    }

    /**
     * The versions with a batch of their own: a canary candidate first, then the active one, so
     * that flushing them in this order also scores the events the candidate hands back.
     */
    List<ServedModel> serving() {
        List<ServedModel> serving = new ArrayList<>(2);
        if (candidate != null) {
            serving.add(candidate);
        }
        if (active != null) {
            serving.add(active);
        }
        return serving;
    }

    /**
     * Whether the desired rollout is a canary that scores this entity: then the event goes to the
     * candidate (or waits for it while it loads).
     */
    boolean canaryScores(String entityId) {
        if (desired == null || !Rollouts.inProgress(desired)) {
            return false;
        }
        ModelCandidate c = desired.getCandidate();
        return c.getMode() == RolloutMode.CANARY
                && CanarySplit.inCanary(name, c.getVersion(), entityId, c.getPercent());
    }

    private static int bits(ModelPrecision precision) {
        switch (precision) {
            case INT8:
                return 8;
            case FP16:
                return 16;
            default:
                return 32;
        }
    }

    /** Creates a model's metrics; a seam so that the slot need not know the metric group. */
    @FunctionalInterface
    interface MetricsFactory {
        ModelMetrics create(
                String model, Gauge<Long> activeVersion, Gauge<Integer> activePrecisionBits);
    }
}
