package io.inferflow.operators.inference;

import io.inferflow.model.ModelException;
import io.inferflow.model.Scorer;
import io.inferflow.operators.decode.DeadLetters;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.decode.SideOutputs;
import io.inferflow.operators.inference.EventChecks.Rejection;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores decoded events in micro-batches, one batch per model version, each holding events of
 * many keys. A batch is flushed when it reaches {@link BatchingOptions#maxSize()}, when its
 * oldest event has waited {@link BatchingOptions#maxDelay()} in processing time, before every
 * checkpoint barrier, before every watermark and at end of input. So nothing is buffered across
 * a checkpoint: the operator has no state, nothing is lost on failure and, after restore,
 * nothing is emitted twice.
 *
 * <p>Events it cannot score go to {@link SideOutputs#DEAD_LETTERS}: an unknown model, a feature
 * vector of the wrong width, non-finite features (per {@link NonFiniteFeaturePolicy}), or a
 * model that fails on the batch (every event of that batch). The job goes on in every case.
 *
 * <p>Buffered events are held by reference between calls, which is safe only because the job
 * does not enable object reuse; do not enable it for this operator's input.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Prediction> predictions = decoded.transform(
 *         "inference", new AvroTypeInfo<>(Prediction.class),
 *         new MicroBatchInferenceOperator(models, new OnnxScorerFactory(runtime), batching));
 * }</pre>
 */
public class MicroBatchInferenceOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<DecodedEvent, Prediction>,
                BoundedOneInput,
                ProcessingTimeCallback {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    /** The same tag as {@link SideOutputs#DEAD_LETTERS}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = SideOutputs.DEAD_LETTERS;

    private final List<ModelSpec> models;
    private final ScorerFactory scorerFactory;
    private final BatchingOptions options;

    private transient Map<String, ServedModel> served;
    private transient InferenceMetrics metrics;
    private transient int buffered;

    /**
     * @param models the model versions to serve, at most one per name; each is loaded in open()
     * @throws IllegalArgumentException when {@code models} is empty or names a model twice
     */
    public MicroBatchInferenceOperator(
            List<ModelSpec> models, ScorerFactory scorerFactory, BatchingOptions options) {
        this.models = List.copyOf(Objects.requireNonNull(models, "models"));
        this.scorerFactory = Objects.requireNonNull(scorerFactory, "scorerFactory");
        this.options = Objects.requireNonNull(options, "options");
        if (this.models.isEmpty()) {
            throw new IllegalArgumentException("at least one model must be served, got none");
        }
        Map<String, ModelSpec> byName = new HashMap<>();
        for (ModelSpec spec : this.models) {
            ModelSpec previous = byName.put(spec.name(), spec);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "model '" + spec.name() + "' is given twice (v" + previous.version()
                                + " and v" + spec.version() + "); serve one version per name");
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        served = new LinkedHashMap<>();
        for (ModelSpec spec : models) {
            try {
                Scorer scorer = scorerFactory.create(spec);
                served.put(spec.name(), new ServedModel(spec, scorer, options.maxSize()));
            } catch (ModelException e) {
                closeScorers();
                throw new FlinkRuntimeException(
                        "cannot load model " + spec + " from '" + spec.uri() + "': "
                                + e.getMessage(),
                        e);
            }
        }
        metrics = new InferenceMetrics(getMetricGroup(), this::bufferedRecords);
        LOG.info("serving models {} with {}", served.keySet(), options);
    }

    @Override
    public void processElement(StreamRecord<DecodedEvent> element) throws Exception {
        metrics.eventIn();
        Pending pending =
                new Pending(element.getValue(), element.getTimestamp(), element.hasTimestamp());
        FeatureEvent event = pending.event().event;
        ServedModel model = served.get(event.getModel());
        Rejection rejection =
                model == null
                        ? EventChecks.unknownModel(event, served.keySet())
                        : EventChecks.check(model, event, options.nonFinitePolicy());
        if (rejection != null) {
            deadLetter(pending, rejection.errorType(), rejection.message());
            return;
        }
        model.add(pending);
        buffered++;
        if (model.size() >= options.maxSize() || options.maxDelay().isZero()) {
            flush(model);
        } else if (model.size() == 1) {
            long deadline =
                    getProcessingTimeService().getCurrentProcessingTime()
                            + options.maxDelay().toMillis();
            model.scheduleFlush(
                    deadline, getProcessingTimeService().registerTimer(deadline, this));
        }
    }

    /** A batch's timer: flushes every batch whose oldest event has waited long enough. */
    @Override
    public void onProcessingTime(long time) throws Exception {
        for (ServedModel model : served.values()) {
            if (model.size() > 0 && model.deadline() <= time) {
                flush(model);
            }
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // Buffered events must not fall behind a watermark they arrived before.
        flushAll();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flushAll();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        flushAll();
    }

    @Override
    public void finish() throws Exception {
        flushAll();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            closeScorers();
        }
    }

    private void flushAll() {
        for (ServedModel model : served.values()) {
            flush(model);
        }
    }

    private void flush(ServedModel model) {
        List<Pending> batch = model.drain();
        if (batch.isEmpty()) {
            return;
        }
        buffered -= batch.size();
        boolean zero = options.nonFinitePolicy() == NonFiniteFeaturePolicy.ZERO;
        long start = System.nanoTime();
        float[] scores;
        try {
            scores = model.scorer.score(model.fill(batch, zero), batch.size());
        } catch (ModelException e) {
            rejectBatch(
                    batch,
                    "model " + model.spec + " failed on a batch of " + batch.size() + ": "
                            + e.getMessage());
            return;
        }
        long micros = (System.nanoTime() - start) / 1_000;
        int width = model.scorer.outputWidth();
        if (scores == null || scores.length != batch.size() * width) {
            rejectBatch(
                    batch,
                    "model " + model.spec + " returned "
                            + (scores == null ? "no" : String.valueOf(scores.length))
                            + " values for " + batch.size() + " rows, expected "
                            + batch.size() * width);
            return;
        }
        metrics.batchScored(batch.size(), micros);
        Instant scoredAt =
                Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        for (int row = 0; row < batch.size(); row++) {
            Pending p = batch.get(row);
            Prediction prediction =
                    prediction(p.event().event, model.spec, scores, row, width, scoredAt);
            output.collect(record(p, prediction));
        }
    }

    /** The prediction for one row: its slice of the batch's row-major scores. */
    private static Prediction prediction(
            FeatureEvent event,
            ModelSpec spec,
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
                .setModelVersion(spec.version())
                .setScores(rowScores)
                .setEventTime(event.getEventTime())
                .setScoredAt(scoredAt)
                .build();
    }

    private void rejectBatch(List<Pending> batch, String message) {
        LOG.warn("{}; {} events go to dead letters", message, batch.size());
        for (Pending p : batch) {
            deadLetter(p, ErrorTypes.INFERENCE_FAILED, message);
        }
    }

    private void deadLetter(Pending p, String errorType, String message) {
        LOG.debug("dead letter {} for {}: {}", errorType, p.event(), message);
        metrics.deadLetter();
        output.collect(DEAD_LETTERS, record(p, DeadLetters.of(p.event(), errorType, message)));
    }

    private static <T> StreamRecord<T> record(Pending p, T value) {
        return p.hasTimestamp()
                ? new StreamRecord<>(value, p.timestamp())
                : new StreamRecord<>(value);
    }

    private void closeScorers() {
        if (served == null) {
            return;
        }
        for (ServedModel model : served.values()) {
            try {
                model.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the scorer of model {} failed", model.spec, e);
            }
        }
        served.clear();
    }

    /** Records waiting in batches, over all models. */
    int bufferedRecords() {
        return buffered;
    }

    /** For tests: this subtask's metrics, available after open. */
    InferenceMetrics metrics() {
        return metrics;
    }
}
