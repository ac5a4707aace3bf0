package io.inferflow.operators.inference;

import io.inferflow.model.ModelException;
import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.decode.DeadLetters;
import io.inferflow.operators.inference.EventChecks.Rejection;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.Prediction;
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

    private int buffered;

    /**
     * @param flushTimer called when a batch's {@link BatchingSettings#maxDelay()} has passed
     * @param driftFlushEvents how many events a version counts for drift before it sends them
     */
    BatchEmitter(
            Output<StreamRecord<Prediction>> output,
            InferenceMetrics metrics,
            BatchingSettings batching,
            ProcessingTimeService time,
            ProcessingTimeCallback flushTimer,
            int subtask,
            long driftFlushEvents) {
        this.output = output;
        this.metrics = metrics;
        this.batching = batching;
        this.time = time;
        this.flushTimer = flushTimer;
        this.subtask = subtask;
        this.driftFlushEvents = driftFlushEvents;
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
            if (slot.active != null) {
                flush(slot.active);
            }
        }
    }

    /** Flushes the batches whose oldest event has waited its maximum delay by {@code now}. */
    void flushDue(Collection<ModelSlot> slots, long now) {
        for (ModelSlot slot : slots) {
            ServedModel model = slot.active;
            if (model != null && model.size() > 0 && model.deadline() <= now) {
                flush(model);
            }
        }
    }

    void flush(ServedModel model) {
        List<Pending> batch = model.drain();
        if (batch.isEmpty()) {
            return;
        }
        buffered -= batch.size();
        boolean zero = batching.nonFinitePolicy() == NonFiniteFeaturePolicy.ZERO;
        long start = System.nanoTime();
        float[] scores;
        FloatBuffer input;
        try {
            input = model.fill(batch, zero);
            scores = model.scorer.score(input, batch.size());
        } catch (ModelException e) {
            rejectBatch(
                    model,
                    batch,
                    "model " + model.label + " failed on a batch of " + batch.size() + ": "
                            + e.getMessage());
            return;
        }
        long micros = (System.nanoTime() - start) / 1_000;
        int width = model.scorer.outputWidth();
        if (scores == null || scores.length != batch.size() * width) {
            rejectBatch(
                    model,
                    batch,
                    "model " + model.label + " returned "
                            + (scores == null ? "no" : String.valueOf(scores.length))
                            + " values for " + batch.size() + " rows, expected "
                            + batch.size() * width);
            return;
        }
        metrics.batchScored(batch.size(), micros);
        model.metrics.batchScored(batch.size(), micros);
        long emittedAt = now();
        if (model.drift != null) {
            model.drift.count(input, batch.size(), scores, width, emittedAt);
            if (model.drift.events() >= driftFlushEvents) {
                sendDriftCounts(model);
            }
        }
        Instant scoredAt = Instant.ofEpochMilli(emittedAt);
        long version = model.control.getVersion();
        String precision = model.control.getPrecision().name();
        for (int row = 0; row < batch.size(); row++) {
            Pending p = batch.get(row);
            Prediction prediction =
                    prediction(p.event().event, version, precision, scores, row, width, scoredAt);
            output.collect(record(p, prediction));
            model.metrics.predicted(
                    emittedAt,
                    p.arrivedAt(),
                    prediction.getEventTime().toEpochMilli(),
                    p.event().source == null ? -1L : p.event().source.timestamp);
        }
    }

    /** The prediction for one row: its slice of the batch's row-major scores. */
    private static Prediction prediction(
            FeatureEvent event,
            long version,
            String precision,
            float[] scores,
            int row,
            int width,
            Instant scoredAt) {
        List<Float> rowScores = new ArrayList<>(width);
        for (int i = row * width; i < (row + 1) * width; i++) {
            rowScores.add(scores[i]);
        }
        return Prediction.newBuilder()
                .setEventId(event.getEventId())
                .setEntityId(event.getEntityId())
                .setModel(event.getModel())
                .setModelVersion(version)
                .setModelPrecision(precision)
                .setScores(rowScores)
                .setEventTime(event.getEventTime())
                .setScoredAt(scoredAt)
                .build();
    }

    private void rejectBatch(ServedModel model, List<Pending> batch, String message) {
        LOG.warn("{}; {} events go to dead letters", message, batch.size());
        for (Pending p : batch) {
            model.metrics.deadLetter(ErrorTypes.INFERENCE_FAILED);
            deadLetter(p, new Rejection(ErrorTypes.INFERENCE_FAILED, message));
        }
    }

    // --- drift

    /** Sends every serving version's drift counts made since its last partial. */
    void sendDriftCounts(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
            if (slot.active != null) {
                sendDriftCounts(slot.active);
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
