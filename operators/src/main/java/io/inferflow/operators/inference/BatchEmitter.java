package io.inferflow.operators.inference;

import io.inferflow.model.InputBatch;
import io.inferflow.model.ModelException;
import io.inferflow.model.ScoredBatch;
import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.decode.DeadLetters;
import io.inferflow.operators.inference.EventChecks.Rejection;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.operators.rollout.RolloutStatistics;
import io.inferflow.operators.rollout.RolloutTally;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Owns the inference operator's main output and its data side outputs: fills each version's batch
 * (arming its flush timer), scores it and emits one prediction per row, and sends dead letters
 * and drift counts (model statuses go through {@link StatusEmitter}). Also owns the count of
 * records the operator holds, in batches or waiting for a first version. Used on the task thread
 * only.
 */
final class BatchEmitter {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final Output<StreamRecord<Prediction>> output;
    private final InferenceMetrics metrics;
    private final BatchingSettings batching;
    private final ProcessingTimeService time;
    private final ProcessingTimeCallback flushTimer;
    private final int subtask;
    private final long driftFlushEvents;
    private final long rolloutReportMillis;

    private int buffered;

    /**
     * @param flushTimer called when a batch's {@link BatchingSettings#maxDelay()} has passed
     * @param driftFlushEvents how many events a version counts for drift before it sends them
     * @param rolloutReportMillis how long a rollout counts after its last send before a batch
     *     sends its counts (no timer: counts are made by batches only)
     */
    BatchEmitter(
            Output<StreamRecord<Prediction>> output,
            InferenceMetrics metrics,
            BatchingSettings batching,
            ProcessingTimeService time,
            ProcessingTimeCallback flushTimer,
            int subtask,
            long driftFlushEvents,
            long rolloutReportMillis) {
        this.output = output;
        this.metrics = metrics;
        this.batching = batching;
        this.time = time;
        this.flushTimer = flushTimer;
        this.subtask = subtask;
        this.driftFlushEvents = driftFlushEvents;
        this.rolloutReportMillis = rolloutReportMillis;
    }

    // --- batches

    /** Checks the event and adds it to the version's batch, flushing when the batch is due. */
    void add(ServedModel model, Pending pending) {
        model.metrics.eventIn();
        Rejection rejection =
                EventChecks.check(model, pending.event().event, batching.nonFinitePolicy());
        if (rejection != null) {
            model.metrics.deadLetter(rejection.errorType());
            deadLetter(pending, rejection);
            return;
        }
        model.add(pending);
        buffered++;
        if (model.size() >= batching.maxSize() || batching.maxDelay().isZero()) {
            flush(model);
        } else if (model.size() == 1) {
            long deadline = now() + batching.maxDelay().toMillis();
            model.scheduleFlush(deadline, time.registerTimer(deadline, flushTimer));
        }
    }

    void flushAll(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
            for (ServedModel model : slot.serving()) {
                flush(model);
            }
        }
    }

    /** Flushes the batches whose oldest event has waited its maximum delay by {@code now}. */
    void flushDue(Collection<ModelSlot> slots, long now) {
        for (ModelSlot slot : slots) {
            for (ServedModel model : slot.serving()) {
                if (model.size() > 0 && model.deadline() <= now) {
                    flush(model);
                }
            }
        }
    }

    /**
     * Scores the version's batch and emits a prediction per row. A row the version fails on
     * (the batch fails, or its output is not finite) goes to dead letters, or for a canary's
     * candidate back to the stable version's batch. A shadow candidate scores the same rows
     * after the stable version, for {@link SideOutputs#SHADOW_PREDICTIONS}.
     */
    void flush(ServedModel model) {
        List<Pending> batch = model.drain();
        if (batch.isEmpty()) {
            return;
        }
        buffered -= batch.size();
        Scores scores = score(model, batch);
        if (scores.failure != null) {
            failed(model, batch, ErrorTypes.INFERENCE_FAILED, scores.failure);
            return;
        }
        metrics.batchScored(batch.size(), scores.micros);
        model.metrics.batchScored(batch.size(), scores.micros);
        long emittedAt = now();
        if (model.drift != null) {
            model.drift.count(scores.input, batch.size(), scores.values, scores.width, emittedAt);
            if (model.drift.events() >= driftFlushEvents) {
                sendDriftCounts(model);
            }
        }
        RolloutTally tally = model.slot.tally;
        boolean zero = !model.isCandidate()
                && batching.nonFiniteOutputs() == NonFiniteOutputPolicy.ZERO;
        boolean[] finite = new boolean[batch.size()];
        List<Pending> nonFinite = null;
        Instant scoredAt = Instant.ofEpochMilli(emittedAt);
        for (int row = 0; row < batch.size(); row++) {
            Pending p = batch.get(row);
            finite[row] = finiteRow(scores.values, row, scores.width, zero);
            if (zero) {
                zeroNonFinite(scores.named, row);
            }
            if (!finite[row]) {
                if (nonFinite == null) {
                    nonFinite = new ArrayList<>();
                }
                nonFinite.add(p);
                continue;
            }
            output.collect(record(p, prediction(model, p, scores, row, scoredAt)));
            predicted(model, p, emittedAt);
            if (tally != null) {
                tally.scoredOne(
                        model.isCandidate(), scores.micros, scores.values[row * scores.width]);
            }
        }
        if (nonFinite != null) {
            failed(model, nonFinite, ErrorTypes.NON_FINITE_OUTPUT,
                    "model " + model.label + " returned NaN or an infinite value for "
                            + nonFinite.size() + " of " + batch.size() + " rows");
        }
        ServedModel shadow = model.slot.candidate;
        if (!model.isCandidate() && shadow != null && shadow.role == RolloutMode.SHADOW) {
            shadow(shadow, batch, scores, finite);
        }
        if (tally != null && emittedAt - tally.lastSent() >= rolloutReportMillis) {
            sendRolloutCounts(model.slot);
        }
    }

    /** The scores of a batch (with every output by name), or why the model failed on it. */
    private record Scores(
            float[] values, FloatBuffer input, int width, long micros, String failure,
            ScoredBatch named) {}

    private Scores score(ServedModel model, List<Pending> batch) {
        boolean zero = batching.nonFinitePolicy() == NonFiniteFeaturePolicy.ZERO;
        long start = System.nanoTime();
        FloatBuffer input;
        ScoredBatch named;
        try {
            if (model.readsNamedInputs()) {
                InputBatch columns = model.fillNamed(batch, zero);
                named = model.scorer.scoreInputs(columns, batch.size());
                // Drift counts the numeric inputs, row-major.
                input = model.drift == null
                        ? null : FloatBuffer.wrap(columns.numericRows(batch.size()));
            } else {
                input = model.fill(batch, zero);
                named = model.scorer.scoreBatch(input, batch.size());
            }
        } catch (ModelException e) {
            return new Scores(null, null, 0, 0,
                    "model " + model.label + " failed on a batch of " + batch.size() + ": "
                            + e.getMessage(), null);
        }
        float[] values = named == null ? null : named.scores();
        long micros = (System.nanoTime() - start) / 1_000;
        int width = model.scorer.outputWidth();
        if (values == null || values.length != batch.size() * width) {
            return new Scores(null, null, 0, 0,
                    "model " + model.label + " returned "
                            + (values == null ? "no" : String.valueOf(values.length))
                            + " values for " + batch.size() + " rows, expected "
                            + batch.size() * width, null);
        }
        return new Scores(values, input, width, micros, null, named);
    }

    /** Whether the row's scores are all finite; with {@code zero} non-finite ones become 0. */
    private static boolean finiteRow(float[] values, int row, int width, boolean zero) {
        for (int i = row * width; i < (row + 1) * width; i++) {
            if (!Float.isFinite(values[i])) {
                if (!zero) {
                    return false;
                }
                values[i] = 0f;
            }
        }
        return true;
    }

    /** Replaces NaN and ±Infinity by 0 in every named output of the row. */
    private static void zeroNonFinite(ScoredBatch named, int row) {
        for (ScoredBatch.Column c : named.columns()) {
            if (c.values() == null) {
                continue;
            }
            for (int i = row * c.perRow(); i < (row + 1) * c.perRow(); i++) {
                if (!Float.isFinite(c.values()[i])) {
                    c.values()[i] = 0f;
                }
            }
        }
    }

    /**
     * The version failed on {@code rows}: a canary's candidate hands them to the stable
     * version's batch, anything else sends them to dead letters with {@code errorType}. Either
     * way the failures count against the version (metrics, rollout tally).
     */
    private void failed(ServedModel model, List<Pending> rows, String errorType, String message) {
        ServedModel stable = model.slot.active;
        boolean fallBack = model.role == RolloutMode.CANARY && stable != null && stable != model;
        model.metrics.failed(errorType, rows.size(), fallBack);
        if (model.slot.tally != null) {
            model.slot.tally.failed(model.isCandidate(), rows.size());
        }
        if (fallBack) {
            if (model.warnOnce()) {
                LOG.warn("{}; the canary's events it fails on are scored by {} (this is logged"
                        + " once per candidate, failures are counted in its metrics)",
                        message, stable.label);
            }
            for (Pending p : rows) {
                add(stable, p);
            }
            return;
        }
        LOG.warn("{}; {} events go to dead letters", message, rows.size());
        for (Pending p : rows) {
            model.metrics.deadLetter(errorType);
            deadLetter(p, new Rejection(errorType, message));
        }
    }

    /**
     * The shadow candidate scores the rows the stable version just scored: its predictions go
     * to {@link SideOutputs#SHADOW_PREDICTIONS} only, its failures are counted, and each row
     * both scored is compared (same decision or not).
     */
    private void shadow(ServedModel shadow, List<Pending> batch, Scores stable, boolean[] ok) {
        RolloutTally tally = shadow.slot.tally;
        for (int i = 0; i < batch.size(); i++) {
            shadow.metrics.eventIn();
        }
        Scores scores = score(shadow, batch);
        if (scores.failure != null) {
            shadow.metrics.failed(ErrorTypes.INFERENCE_FAILED, batch.size(), false);
            if (tally != null) {
                tally.failed(true, batch.size());
            }
            if (shadow.warnOnce()) {
                LOG.warn("{}; shadow failures are counted, not dead-lettered (logged once per"
                        + " candidate)", scores.failure);
            }
            return;
        }
        shadow.metrics.batchScored(batch.size(), scores.micros);
        long emittedAt = now();
        Instant scoredAt = Instant.ofEpochMilli(emittedAt);
        int failures = 0;
        for (int row = 0; row < batch.size(); row++) {
            Pending p = batch.get(row);
            if (!finiteRow(scores.values, row, scores.width, false)) {
                failures++;
                continue;
            }
            output.collect(SideOutputs.SHADOW_PREDICTIONS,
                    record(p, prediction(shadow, p, scores, row, scoredAt)));
            predicted(shadow, p, emittedAt);
            if (tally != null) {
                tally.scoredOne(true, scores.micros, scores.values[row * scores.width]);
                if (ok[row] && scores.width == stable.width) {
                    tally.compared(RolloutStatistics.sameDecision(
                            stable.values, row * stable.width,
                            scores.values, row * scores.width, scores.width));
                }
            }
        }
        if (failures > 0) {
            shadow.metrics.failed(ErrorTypes.NON_FINITE_OUTPUT, failures, false);
            if (tally != null) {
                tally.failed(true, failures);
            }
        }
    }

    private static void predicted(ServedModel model, Pending p, long emittedAt) {
        model.metrics.predicted(
                emittedAt,
                p.arrivedAt(),
                p.event().event.getEventTime().toEpochMilli(),
                p.event().source == null ? -1L : p.event().source.timestamp);
    }

    /**
     * The prediction for one row: its slice of the batch's row-major scores, and every output by
     * name, the label and the class probabilities where the model has them.
     */
    private static Prediction prediction(
            ServedModel model, Pending p, Scores scores, int row, Instant scoredAt) {
        FeatureEvent event = p.event().event;
        int width = scores.width;
        List<Float> rowScores = new ArrayList<>(width);
        for (int i = row * width; i < (row + 1) * width; i++) {
            rowScores.add(scores.values[i]);
        }
        Prediction.Builder prediction = Prediction.newBuilder()
                .setEventId(event.getEventId())
                .setEntityId(event.getEntityId())
                .setModel(event.getModel())
                .setModelVersion(model.control.getVersion())
                .setModelPrecision(model.control.getPrecision().name())
                .setScores(rowScores)
                .setEventTime(event.getEventTime())
                .setScoredAt(scoredAt);
        NamedOutputs.fill(prediction, scores.named, model.scorer.layout(), row);
        return prediction.build();
    }

    // --- rollouts

    /** Sends what each rollout counted since its last counts (timer, barrier, end). */
    void sendRolloutCounts(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
            sendRolloutCounts(slot);
        }
    }

    void sendRolloutCounts(ModelSlot slot) {
        if (slot.tally == null) {
            return;
        }
        RolloutCounts counts = slot.tally.drain(subtask, now());
        if (counts != null) {
            output.collect(SideOutputs.ROLLOUT_COUNTS, new StreamRecord<>(counts));
        }
    }

    // --- drift

    /** Sends every serving version's drift counts made since its last partial. */
    void sendDriftCounts(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
            for (ServedModel model : slot.serving()) {
                sendDriftCounts(model);
            }
        }
    }

    /** Sends the version's drift counts made since its last partial, if it has any. */
    void sendDriftCounts(ServedModel model) {
        if (model.drift == null) {
            return;
        }
        DriftCounts partial = model.drift.drain(subtask);
        if (partial != null) {
            output.collect(SideOutputs.DRIFT_COUNTS, new StreamRecord<>(partial));
        }
    }

    // --- side outputs

    void deadLetter(Pending p, Rejection rejection) {
        LOG.debug("dead letter {} for {}: {}",
                rejection.errorType(), p.event(), rejection.message());
        metrics.deadLetter(rejection.errorType());
        output.collect(
                SideOutputs.DEAD_LETTERS,
                record(p, DeadLetters.of(p.event(), rejection.errorType(), rejection.message())));
    }

    private static <T> StreamRecord<T> record(Pending p, T value) {
        return p.hasTimestamp()
                ? new StreamRecord<>(value, p.timestamp())
                : new StreamRecord<>(value);
    }

    // --- held records

    /** Counts {@code delta} more (or, negative, fewer) records held outside any batch. */
    void held(int delta) {
        buffered += delta;
    }

    /** Records waiting in batches or for a first version, over all models. */
    int buffered() {
        return buffered;
    }

    long now() {
        return time.getCurrentProcessingTime();
    }
}
