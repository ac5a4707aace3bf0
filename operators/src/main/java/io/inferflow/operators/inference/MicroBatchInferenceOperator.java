package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.ModelException;
import io.inferflow.operators.control.ControlState;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.decode.DeadLetters;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.decode.SideOutputs;
import io.inferflow.operators.inference.EventChecks.Rejection;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scores decoded events (input 1) in micro-batches with the model versions that the broadcast
 * control stream (input 2) names, swapping versions while the stream flows.
 *
 * <p><b>Batching.</b> One batch per model version, each holding events of many keys. A batch is
 * flushed when it reaches {@link BatchingOptions#maxSize()}, when its oldest event has waited
 * {@link BatchingOptions#maxDelay()} in processing time, before every checkpoint barrier, before
 * every watermark of input 1 and at end of input. Nothing is buffered across a checkpoint, so
 * nothing is lost on failure and, after restore, nothing is emitted twice.
 *
 * <p><b>Control.</b> For each model the control record with the highest generation is its desired
 * state (see {@link ControlState}); stale and duplicate records are ignored, so the outcome does
 * not depend on arrival order. A DEPLOY or ROLLBACK starts a load on this operator's background
 * loader thread while the current version keeps scoring. The finished load is handed to the task
 * thread (checked at every event, control record and timer, polled every {@value #POLL_MILLIS}
 * ms while loads are pending), which flushes the old version's batch, installs the new version,
 * reports ACTIVE and closes the old handle: the swap falls between two batches. A version that
 * fails to load is REJECTED with its reason and the previous version keeps serving. A RETIRE
 * flushes, closes and stops serving the model. Events for a model whose first version is still
 * loading wait (outside any batch); before a barrier and at end of input the operator waits, at
 * most the load timeout, for their loads, then scores them or sends them to dead letters.
 *
 * <p><b>Restore.</b> The desired records live in broadcast state ({@link ControlState#DESIRED}),
 * the last version made active in {@link ControlState#SERVED}. open() loads each desired version
 * synchronously, falling back to the last served one when the desired one is rejected, before
 * any event is scored.
 *
 * <p><b>Outputs.</b> Predictions; {@link SideOutputs#DEAD_LETTERS} for events not scored (unknown,
 * retired or unloaded model, wrong width, non-finite features, a model failing on a batch);
 * {@link SideOutputs#MODEL_STATUS} with LOADED, ACTIVE, REJECTED and RETIRED per subtask.
 *
 * <p>Buffered events are held by reference between calls, which is safe only because the job
 * does not enable object reuse; do not enable it for this operator's input.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Prediction> predictions = events
 *         .connect(control.broadcast(ControlState.DESCRIPTOR))
 *         .transform("inference", new AvroTypeInfo<>(Prediction.class),
 *                 new MicroBatchInferenceOperator(initialModels, provider, batching));
 * }</pre>
 */
public class MicroBatchInferenceOperator extends AbstractStreamOperator<Prediction>
        implements TwoInputStreamOperator<DecodedEvent, ModelControl, Prediction>,
                BoundedMultiInput,
                ProcessingTimeCallback {

    private static final long serialVersionUID = 2L;

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    /** The same tag as {@link SideOutputs#DEAD_LETTERS}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = SideOutputs.DEAD_LETTERS;

    /** The same tag as {@link SideOutputs#MODEL_STATUS}. */
    public static final OutputTag<ModelStatus> MODEL_STATUS = SideOutputs.MODEL_STATUS;

    /** The default of {@link io.inferflow.operators.InferenceOptions#MODEL_LOAD_TIMEOUT}. */
    public static final Duration DEFAULT_LOAD_TIMEOUT = Duration.ofSeconds(60);

    /** How often the task thread looks for finished loads while some are pending. */
    static final long POLL_MILLIS = 20;

    private final List<ModelControl> initialModels;
    private final ModelProvider provider;
    private final BatchingOptions options;
    private final Duration loadTimeout;

    private transient BroadcastState<String, ModelControl> desiredState;
    private transient BroadcastState<String, ModelControl> servedState;
    private transient Map<String, ModelSlot> slots;
    private transient ExecutorService loader;
    private transient BlockingQueue<LoadResult> completed;
    private transient List<ModelStatus> unsentStatuses;
    private transient long pollAt;
    private transient ScheduledFuture<?> pollTimer;
    /** Statuses made in open() are emitted from the first callback after it. */
    private transient boolean opened;
    private transient InferenceMetrics metrics;
    private transient int buffered;

    /** With the {@linkplain #DEFAULT_LOAD_TIMEOUT default load timeout}. */
    public MicroBatchInferenceOperator(
            List<ModelControl> initialModels, ModelProvider provider, BatchingOptions options) {
        this(initialModels, provider, options, DEFAULT_LOAD_TIMEOUT);
    }

    /**
     * @param initialModels versions served from the start (usually generation 0), at most one per
     *     name, may be empty; a control record with a higher generation replaces them
     * @param loadTimeout how long a checkpoint barrier or the end of input waits for the loads
     *     that events are waiting for
     * @throws IllegalArgumentException when a model is named twice or an initial record is a
     *     RETIRE
     */
    public MicroBatchInferenceOperator(
            List<ModelControl> initialModels,
            ModelProvider provider,
            BatchingOptions options,
            Duration loadTimeout) {
        this.initialModels = List.copyOf(Objects.requireNonNull(initialModels, "initialModels"));
        this.provider = Objects.requireNonNull(provider, "provider");
        this.options = Objects.requireNonNull(options, "options");
        this.loadTimeout = Objects.requireNonNull(loadTimeout, "loadTimeout");
        if (loadTimeout.isNegative() || loadTimeout.isZero()) {
            throw new IllegalArgumentException("load timeout must be positive, got " + loadTimeout);
        }
        Map<String, ModelControl> byName = new HashMap<>();
        for (ModelControl control : this.initialModels) {
            if (control.getAction() == ModelAction.RETIRE) {
                throw new IllegalArgumentException(
                        "initial model '" + control.getName() + "' is a RETIRE; give a DEPLOY");
            }
            ModelControl previous = byName.put(control.getName(), control);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "model '" + control.getName() + "' is given twice (v"
                                + previous.getVersion() + " and v" + control.getVersion()
                                + "); serve one version per name");
            }
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        desiredState = context.getOperatorStateStore().getBroadcastState(ControlState.DESIRED);
        servedState = context.getOperatorStateStore().getBroadcastState(ControlState.SERVED);
        for (ModelControl initial : initialModels) {
            if (ControlState.supersedes(desiredState.get(initial.getName()), initial)) {
                desiredState.put(initial.getName(), initial);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        slots = new HashMap<>();
        completed = new LinkedBlockingQueue<>();
        unsentStatuses = new ArrayList<>();
        pollAt = -1;
        metrics = new InferenceMetrics(getMetricGroup(), this::bufferedRecords);
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        loader =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "model-loader-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        for (Map.Entry<String, ModelControl> entry : desiredState.entries()) {
            restore(slot(entry.getKey()), entry.getValue());
        }
        LOG.info("serving models {} with {}", servedNames(), options);
        opened = true;
        if (!unsentStatuses.isEmpty()) {
            schedulePoll();
        }
    }

    /** Brings one model to its desired state synchronously, before anything is scored. */
    private void restore(ModelSlot slot, ModelControl desired) {
        slot.desired = desired;
        if (desired.getAction() == ModelAction.RETIRE) {
            slot.retired = true;
            return;
        }
        LoadResult result = loadNow(desired);
        if (result.ok()) {
            activate(slot, result);
            return;
        }
        reject(slot, desired, result.failure());
        ModelControl served = served(slot.name);
        if (served != null && served.getGeneration() != desired.getGeneration()) {
            LoadResult fallback = loadNow(served);
            if (fallback.ok()) {
                activate(slot, fallback);
            } else {
                reject(slot, served, fallback.failure());
            }
        }
    }

    @Override
    public void processElement1(StreamRecord<DecodedEvent> element) throws Exception {
        installFinishedLoads();
        metrics.eventIn();
        route(
                new Pending(
                        element.getValue(), element.getTimestamp(), element.hasTimestamp(), now()));
    }

    @Override
    public void processElement2(StreamRecord<ModelControl> element) throws Exception {
        installFinishedLoads();
        ModelControl control = element.getValue();
        String name = control.getName();
        ModelControl current = desiredState.get(name);
        if (!ControlState.supersedes(current, control)) {
            LOG.debug(
                    "ignoring control record {} {} generation {}: generation {} is already known",
                    control.getAction(),
                    ModelControls.label(control),
                    control.getGeneration(),
                    current.getGeneration());
            return;
        }
        desiredState.put(name, control);
        ModelSlot slot = slot(name);
        slot.desired = control;
        if (control.getAction() == ModelAction.RETIRE) {
            retire(slot, control);
            return;
        }
        slot.retired = false;
        if (slot.active != null && sameVersion(slot.active.control, control)) {
            // Already serving it: the record only renews the generation; a load in flight is
            // superseded and will be discarded.
            slot.loading = null;
            putServed(name, control);
            emitStatus(control, ModelState.ACTIVE, null, 0L);
            return;
        }
        startLoad(slot, control);
    }

    /** A batch's timer or the poll for finished loads. */
    @Override
    public void onProcessingTime(long time) throws Exception {
        if (pollAt >= 0 && time >= pollAt) {
            pollAt = -1;
            pollTimer = null;
        }
        installFinishedLoads();
        for (ModelSlot slot : slots.values()) {
            ServedModel model = slot.active;
            if (model != null && model.size() > 0 && model.deadline() <= time) {
                flush(model);
            }
        }
        if (anyLoading()) {
            schedulePoll();
        }
    }

    /** Watermarks follow the events only; the control stream's are ignored. */
    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        processWatermark(mark);
    }

    @Override
    public void processWatermark2(Watermark mark) {}

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // Batched events must not fall behind a watermark they arrived before. Events waiting
        // for a first version are not held back for it.
        installFinishedLoads();
        flushAll();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        drainEverything();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId == 1) {
            drainEverything();
        }
    }

    @Override
    public void finish() throws Exception {
        drainEverything();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            stopLoader();
            closeModels();
        }
    }

    // --- events

    private void route(Pending pending) {
        FeatureEvent event = pending.event().event;
        ModelSlot slot = slots.get(event.getModel());
        if (slot == null) {
            deadLetter(pending, EventChecks.unknownModel(event, servedNames()));
        } else if (slot.retired) {
            deadLetter(pending, EventChecks.retired(event));
        } else if (slot.active != null) {
            addToBatch(slot.active, pending);
        } else if (slot.loading != null) {
            slot.waiting.add(pending);
            buffered++;
        } else {
            deadLetter(
                    pending,
                    EventChecks.notServed(
                            event,
                            slot.lastRejection == null ? "no version loaded" : slot.lastRejection));
        }
    }

    private void addToBatch(ServedModel model, Pending pending) {
        model.metrics.eventIn();
        Rejection rejection =
                EventChecks.check(model, pending.event().event, options.nonFinitePolicy());
        if (rejection != null) {
            model.metrics.deadLetter(rejection.errorType());
            deadLetter(pending, rejection);
            return;
        }
        model.add(pending);
        buffered++;
        if (model.size() >= options.maxSize() || options.maxDelay().isZero()) {
            flush(model);
        } else if (model.size() == 1) {
            long deadline = now() + options.maxDelay().toMillis();
            model.scheduleFlush(
                    deadline, getProcessingTimeService().registerTimer(deadline, this));
        }
    }

    /** Re-routes the events that waited for a load that has now finished or failed. */
    private void releaseWaiting(ModelSlot slot) {
        List<Pending> waiting = slot.waiting;
        if (waiting.isEmpty()) {
            return;
        }
        slot.waiting = new ArrayList<>();
        buffered -= waiting.size();
        for (Pending pending : waiting) {
            route(pending);
        }
    }

    /**
     * Leaves nothing buffered: waits (bounded) for the loads that events wait for, sends the
     * events of loads that did not finish in time to dead letters, and flushes every batch.
     */
    private void drainEverything() throws InterruptedException {
        installFinishedLoads();
        long deadline = System.nanoTime() + loadTimeout.toNanos();
        while (anyWaiting()) {
            long left = deadline - System.nanoTime();
            LoadResult result = left > 0 ? completed.poll(left, TimeUnit.NANOSECONDS) : null;
            if (result == null) {
                break;
            }
            install(result);
        }
        for (ModelSlot slot : slots.values()) {
            if (!slot.waiting.isEmpty()) {
                String why =
                        ModelControls.label(slot.loading) + " did not load within "
                                + loadTimeout.toMillis() + " ms";
                LOG.warn("model '{}': {}; {} waiting events go to dead letters",
                        slot.name, why, slot.waiting.size());
                List<Pending> waiting = slot.waiting;
                slot.waiting = new ArrayList<>();
                buffered -= waiting.size();
                for (Pending pending : waiting) {
                    deadLetter(pending, EventChecks.notServed(pending.event().event, why));
                }
            }
        }
        flushAll();
    }

    // --- control

    private void startLoad(ModelSlot slot, ModelControl control) {
        ModelDescriptor descriptor;
        try {
            descriptor = ModelControls.descriptor(control);
        } catch (IllegalArgumentException e) {
            slot.loading = null;
            reject(slot, control, "INVALID_CONTROL: " + e.getMessage());
            releaseWaiting(slot);
            return;
        }
        slot.loading = control;
        loader.execute(() -> completed.add(load(control, descriptor)));
        schedulePoll();
    }

    /** Loads on the calling thread: at restore, before anything is scored. */
    private LoadResult loadNow(ModelControl control) {
        try {
            return load(control, ModelControls.descriptor(control));
        } catch (IllegalArgumentException e) {
            return LoadResult.failed(control, "INVALID_CONTROL: " + e.getMessage(), 0L);
        }
    }

    private LoadResult load(ModelControl control, ModelDescriptor descriptor) {
        long start = System.nanoTime();
        try {
            ModelHandle handle = provider.acquire(descriptor);
            return LoadResult.loaded(control, handle, millisSince(start));
        } catch (ModelException e) {
            return LoadResult.failed(
                    control, e.reason() + ": " + e.getMessage(), millisSince(start));
        } catch (RuntimeException e) {
            // A provider bug must not kill the loader thread: the version is rejected with it.
            return LoadResult.failed(control, "LOAD_FAILED: " + e, millisSince(start));
        }
    }

    private void installFinishedLoads() {
        if (!unsentStatuses.isEmpty()) {
            List<ModelStatus> statuses = unsentStatuses;
            unsentStatuses = new ArrayList<>();
            statuses.forEach(this::emit);
            if (!anyLoading() && pollTimer != null) {
                // The poll only waited to emit these.
                pollTimer.cancel(false);
                pollTimer = null;
                pollAt = -1;
            }
        }
        LoadResult result;
        while ((result = completed.poll()) != null) {
            install(result);
        }
    }

    private void install(LoadResult result) {
        ModelControl control = result.control();
        ModelSlot slot = slots.get(control.getName());
        if (slot == null
                || slot.loading == null
                || slot.loading.getGeneration() != control.getGeneration()) {
            LOG.debug("discarding the load of {} generation {}: superseded",
                    ModelControls.label(control), control.getGeneration());
            result.discard();
            return;
        }
        slot.loading = null;
        if (result.ok()) {
            activate(slot, result);
        } else {
            reject(slot, control, result.failure());
            releaseWaiting(slot);
        }
    }

    /** The swap: flush the old version's batch, install the new one, close the old one. */
    private void activate(ModelSlot slot, LoadResult result) {
        ModelControl control = result.control();
        slot.metrics.loaded(result.millis());
        emitStatus(control, ModelState.LOADED, null, result.millis());
        ServedModel old = slot.active;
        if (old != null) {
            flush(old);
        }
        slot.activate(
                new ServedModel(
                        control,
                        result.handle(),
                        options.maxSize(),
                        slot.metrics.version(control.getVersion())));
        slot.lastRejection = null;
        putServed(slot.name, control);
        emitStatus(control, ModelState.ACTIVE, null, result.millis());
        LOG.info("model '{}': {} -> v{} (generation {}, loaded in {} ms)",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getVersion(),
                control.getGeneration(),
                result.millis());
        if (old != null) {
            closeQuietly(old);
        }
        releaseWaiting(slot);
    }

    private void reject(ModelSlot slot, ModelControl control, String reason) {
        slot.metrics.loadFailed();
        slot.lastRejection = ModelControls.label(control) + " was rejected (" + reason + ")";
        emitStatus(control, ModelState.REJECTED, reason, 0L);
        LOG.warn("model {} generation {} rejected, {}: {}",
                ModelControls.label(control),
                control.getGeneration(),
                slot.active == null ? "no version serves" : slot.active.label + " keeps serving",
                reason);
    }

    private void retire(ModelSlot slot, ModelControl control) {
        slot.loading = null;
        slot.retired = true;
        ServedModel old = slot.active;
        slot.activate(null);
        if (old != null) {
            flush(old);
            closeQuietly(old);
        }
        removeServed(slot.name);
        emitStatus(control, ModelState.RETIRED, null, 0L);
        LOG.info("model '{}': {} -> retired (generation {})",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getGeneration());
        releaseWaiting(slot);
    }

    private ModelSlot slot(String name) {
        return slots.computeIfAbsent(
                name,
                n ->
                        new ModelSlot(
                                n,
                                (model, version, bits) ->
                                        new ModelMetrics(
                                                getMetricGroup(), model, version, bits)));
    }

    // The operator state backend's broadcast state is on the heap: its methods declare
    // Exception but do not throw.

    private ModelControl served(String name) {
        try {
            return servedState.get(name);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot read served model '" + name + "'", e);
        }
    }

    private void putServed(String name, ModelControl control) {
        try {
            servedState.put(name, control);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot record served model '" + name + "'", e);
        }
    }

    private void removeServed(String name) {
        try {
            servedState.remove(name);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot remove served model '" + name + "'", e);
        }
    }

    private static boolean sameVersion(ModelControl a, ModelControl b) {
        return a.getVersion() == b.getVersion() && Objects.equals(a.getSha256(), b.getSha256());
    }

    private boolean anyLoading() {
        return slots.values().stream().anyMatch(s -> s.loading != null);
    }

    private boolean anyWaiting() {
        return slots.values().stream().anyMatch(s -> !s.waiting.isEmpty());
    }

    private void schedulePoll() {
        if (pollAt < 0) {
            pollAt = now() + POLL_MILLIS;
            pollTimer = getProcessingTimeService().registerTimer(pollAt, this);
        }
    }

    /** Models that serve or will serve events, sorted. */
    private Set<String> servedNames() {
        Set<String> names = new TreeSet<>();
        for (ModelSlot slot : slots.values()) {
            if (!slot.retired && (slot.active != null || slot.loading != null)) {
                names.add(slot.name);
            }
        }
        return names;
    }

    // --- scoring

    private void flushAll() {
        for (ModelSlot slot : slots.values()) {
            if (slot.active != null) {
                flush(slot.active);
            }
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

    // --- outputs

    private void deadLetter(Pending p, Rejection rejection) {
        LOG.debug("dead letter {} for {}: {}",
                rejection.errorType(), p.event(), rejection.message());
        metrics.deadLetter(rejection.errorType());
        output.collect(
                DEAD_LETTERS,
                record(p, DeadLetters.of(p.event(), rejection.errorType(), rejection.message())));
    }

    private void emitStatus(ModelControl control, ModelState state, String reason, long loadMs) {
        ModelStatus status =
                ModelStatus.newBuilder()
                        .setModel(control.getName())
                        .setVersion(control.getVersion())
                        .setGeneration(control.getGeneration())
                        .setSubtask(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())
                        .setParallelism(
                                getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks())
                        .setState(state)
                        .setReason(reason)
                        .setLoadMs(loadMs)
                        .setPrecision(control.getPrecision())
                        .setAt(Instant.ofEpochMilli(now()))
                        .build();
        if (opened) {
            emit(status);
        } else {
            unsentStatuses.add(status);
        }
    }

    private void emit(ModelStatus status) {
        output.collect(MODEL_STATUS, new StreamRecord<>(status));
    }

    private static <T> StreamRecord<T> record(Pending p, T value) {
        return p.hasTimestamp()
                ? new StreamRecord<>(value, p.timestamp())
                : new StreamRecord<>(value);
    }

    // --- resources

    private void stopLoader() throws InterruptedException {
        if (loader == null) {
            return;
        }
        loader.shutdownNow();
        if (!loader.awaitTermination(loadTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("the model loader thread did not stop within {} ms", loadTimeout.toMillis());
        }
        LoadResult result;
        while ((result = completed.poll()) != null) {
            result.discard();
        }
    }

    private void closeModels() {
        if (slots == null) {
            return;
        }
        for (ModelSlot slot : slots.values()) {
            if (slot.active != null) {
                closeQuietly(slot.active);
                slot.activate(null);
            }
        }
    }

    private static void closeQuietly(ServedModel model) {
        try {
            model.close();
        } catch (RuntimeException e) {
            LOG.warn("closing model {} failed", model.label, e);
        }
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Records waiting in batches or for a first version, over all models. */
    int bufferedRecords() {
        return buffered;
    }

    /** For tests: this subtask's metrics, available after open. */
    InferenceMetrics metrics() {
        return metrics;
    }

    /** For tests: the metrics of one model, available once the model is known. */
    ModelMetrics modelMetrics(String model) {
        ModelSlot slot = slots.get(model);
        return slot == null ? null : slot.metrics;
    }

    /** For tests: the version the model's gauge reports, null for an unknown model. */
    Long activeVersion(String model) {
        ModelSlot slot = slots.get(model);
        return slot == null ? null : slot.activeVersion;
    }

    /** For tests: loads finished on the loader thread and not yet installed. */
    int finishedLoads() {
        return completed.size();
    }
}
