package io.inferflow.operators.inference;

import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.control.ControlState;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.drift.DriftSettings;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores decoded events (input 1) in micro-batches with the model versions that the broadcast
 * control stream (input 2) names, swapping versions while the stream flows.
 *
 * <p><b>Batching.</b> One batch per model version, each holding events of many keys. A batch is
 * flushed when it reaches {@link BatchingSettings#maxSize()}, when its oldest event has waited
 * {@link BatchingSettings#maxDelay()} in processing time, before every checkpoint barrier, before
 * every watermark of input 1 and at end of input. No batch spans a checkpoint; the events that
 * wait for a first version or for an unknown model (below) are kept in operator state at a
 * checkpoint, so nothing is lost on failure and, after restore, nothing is emitted twice.
 *
 * <p><b>Control.</b> For each model the control record with the highest generation is its desired
 * state (see {@link ControlState}); stale and duplicate records are ignored, so the outcome does
 * not depend on arrival order. A DEPLOY or ROLLBACK starts a load on this operator's background
 * loader thread while the current version keeps scoring. The finished load reaches the task
 * thread as a mail of its mailbox (between two records; nothing polls from the record path),
 * which flushes the old version's batch, installs the new version,
 * reports ACTIVE and closes the old handle: the swap falls between two batches. A version that
 * fails to load is REJECTED with its reason and the previous version keeps serving. A RETIRE
 * flushes, closes and stops serving the model.
 *
 * <p><b>Rollouts.</b> A record whose {@code candidate} is set loads that version beside the
 * stable one ({@link io.inferflow.operators.control.Rollouts}). CANARY: the entities a hash puts
 * in its share ({@link io.inferflow.operators.rollout.CanarySplit}) are scored by the candidate,
 * and wait for it while it loads, so an entity sees one version for the whole rollout; an event
 * the candidate fails on (error, non-finite output) is scored by the stable version instead.
 * SHADOW: the candidate scores every batch after the stable version, to {@link
 * SideOutputs#SHADOW_PREDICTIONS} only. Both versions are counted ({@link
 * SideOutputs#ROLLOUT_COUNTS}, before each barrier too) for the rollout judge, whose promote or
 * abort comes back as a control record: a promotion keeps the candidate's session.
 *
 * <p><b>Waiting.</b> Events for a model whose first version is still loading wait (outside any
 * batch), and so do events of a model that no control record has named yet, for {@link
 * WaitingSettings#unknownModelGrace()} from that model's first event on the subtask; after the
 * grace they go to dead letters as UNKNOWN_MODEL. At most {@link WaitingSettings#maxEvents()}
 * wait: at the bound the operator yields to its mailbox (timers install finished loads and end
 * graces) instead of taking the next event, which backpressures the source. At end of input the
 * operator waits, at most the load timeout, for the loads events wait for, then scores them or
 * sends them to dead letters.
 *
 * <p><b>Restore.</b> The desired records live in broadcast state ({@link ControlState#DESIRED}),
 * the last version each subtask made active in the union list state {@link #SERVED} (a
 * per-subtask fact, never broadcast state). open() loads each desired version
 * synchronously, falling back to the last served one when the desired one is rejected, before
 * any event is scored.
 *
 * <p><b>Outputs.</b> Predictions; {@link SideOutputs#DEAD_LETTERS} for events not scored (unknown,
 * retired or unloaded model, wrong width, non-finite features, a model failing on a batch);
 * {@link SideOutputs#MODEL_STATUS} with LOADED, ACTIVE, REJECTED and RETIRED per subtask;
 * {@link SideOutputs#DRIFT_COUNTS} with the bin counts of the inputs and scores of versions that
 * have a reference profile (every scored row, as the model saw it), sent every drift flush
 * interval, before each barrier, at the end and when a version stops serving.
 *
 * <p><b>Parts.</b> This class keeps the Flink lifecycle, the broadcast state and the slot of each
 * model, and hands each callback to its parts: {@link EventRouter} sends each event to a batch,
 * to the events waiting for a first version, or to dead letters; {@link ModelLoads} decides which
 * load of a model is current (loading on a {@link BackgroundLoader}) and {@link VersionInstaller}
 * installs, rejects and retires versions; {@link BatchEmitter} fills and scores batches and emits
 * predictions, dead letters and drift counts; {@link StatusEmitter} emits the model statuses. All
 * of them change state on the task thread only.
 *
 * <p><b>Size.</b> This class is longer than most (about 400 lines) on purpose: about 90 of them
 * are this contract, and the rest are the two-input operator's Flink callbacks (state, open,
 * two inputs, their watermarks, timers, barrier, end of input, finish, close) that each delegate
 * to the parts above in a few lines, plus the accessors its tests read. Splitting them further
 * would spread one lifecycle over several classes.
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

    /** The default of {@link io.inferflow.operators.InferenceOptions#ROLLOUT_REPORT_INTERVAL}. */
    public static final Duration DEFAULT_ROLLOUT_REPORT_INTERVAL = Duration.ofSeconds(2);

    /** Union list state: the record of each model's version served last, from every subtask. */
    static final ListStateDescriptor<ModelControl> SERVED =
            new ListStateDescriptor<>("model-served-versions", new AvroTypeInfo<>(ModelControl.class));

    private final List<ModelControl> initialModels;
    private final ModelProvider provider;
    private final BatchingSettings batching;
    private final Duration loadTimeout;
    private final DriftSettings drift;
    private boolean histograms = true;
    private WaitingSettings waiting = WaitingSettings.DEFAULTS;
    private Duration rolloutReportInterval = DEFAULT_ROLLOUT_REPORT_INTERVAL;

    private transient BroadcastState<String, ModelControl> desiredState;
    private transient ListState<ModelControl> servedState;
    private transient ServedRecords served;
    private transient Map<String, ModelSlot> slots;
    private transient InferenceMetrics metrics;
    private transient BatchEmitter emitter;
    private transient EventRouter router;
    private transient ModelLoads loads;
    private transient ListState<WaitingEvent> waitingState;
    private transient List<WaitingEvent> restoredWaiting;
    private transient MailboxExecutor mailbox;

    /** With the {@linkplain #DEFAULT_LOAD_TIMEOUT default load timeout}. */
    public MicroBatchInferenceOperator(
            List<ModelControl> initialModels, ModelProvider provider, BatchingSettings batching) {
        this(initialModels, provider, batching, DEFAULT_LOAD_TIMEOUT, DriftSettings.disabled());
    }

    /** Without drift detection. */
    public MicroBatchInferenceOperator(
            List<ModelControl> initialModels,
            ModelProvider provider,
            BatchingSettings batching,
            Duration loadTimeout) {
        this(initialModels, provider, batching, loadTimeout, DriftSettings.disabled());
    }

    /**
     * @param initialModels versions served from the start (usually generation 0), at most one per
     *     name, may be empty; a control record with a higher generation replaces them
     * @param loadTimeout how long the end of input waits for the loads
     *     that events are waiting for
     * @param drift whether and how often to send the drift counts of versions with a reference
     *     profile ({@link SideOutputs#DRIFT_COUNTS})
     * @throws IllegalArgumentException when a model is named twice or an initial record is a
     *     RETIRE
     */
    public MicroBatchInferenceOperator(
            List<ModelControl> initialModels,
            ModelProvider provider,
            BatchingSettings batching,
            Duration loadTimeout,
            DriftSettings drift) {
        this.initialModels = List.copyOf(Objects.requireNonNull(initialModels, "initialModels"));
        this.provider = Objects.requireNonNull(provider, "provider");
        this.batching = Objects.requireNonNull(batching, "batching");
        this.loadTimeout = Objects.requireNonNull(loadTimeout, "loadTimeout");
        this.drift = Objects.requireNonNull(drift, "drift");
        if (loadTimeout.isNegative() || loadTimeout.isZero()) {
            throw new IllegalArgumentException("load timeout must be positive, got " + loadTimeout);
        }
        ModelControls.checkInitial(this.initialModels);
    }

    /**
     * Whether each model version updates its latency and batch histograms (per event; {@code
     * inference.metrics.histograms}); counters and meters are always kept. Call before the job
     * is built.
     */
    public MicroBatchInferenceOperator withHistograms(boolean histograms) {
        this.histograms = histograms;
        return this;
    }

    /**
     * How long events wait for an unknown model and how many may wait ({@code
     * inference.unknown-model.grace}, {@code inference.waiting.max-events}). Call before the job
     * is built.
     */
    public MicroBatchInferenceOperator withWaiting(WaitingSettings waiting) {
        this.waiting = Objects.requireNonNull(waiting, "waiting");
        return this;
    }

    /**
     * How often each rollout's counts go to the judge ({@code inference.rollout.report-interval});
     * they also go before every barrier. Call before the job is built.
     */
    public MicroBatchInferenceOperator withRolloutReports(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(
                    "rollout report interval must be positive, got " + interval);
        }
        this.rolloutReportInterval = interval;
        return this;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        waitingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("waiting-events", TypeInformation.of(WaitingEvent.class)));
        restoredWaiting = new ArrayList<>();
        if (context.isRestored()) {
            waitingState.get().forEach(restoredWaiting::add);
        }
        desiredState = context.getOperatorStateStore().getBroadcastState(ControlState.DESIRED);
        // Union state: after a rescale every subtask sees what any subtask served, and keeps the
        // highest generation per model as its fallback.
        servedState = context.getOperatorStateStore().getUnionListState(SERVED);
        served = ServedRecords.restore(servedState.get());
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
        metrics = new InferenceMetrics(getMetricGroup(), this::bufferedRecords);
        TaskInfo task = getRuntimeContext().getTaskInfo();
        int subtask = task.getIndexOfThisSubtask();
        int parallelism = task.getNumberOfParallelSubtasks();
        ProcessingTimeService timers = getProcessingTimeService();
        emitter =
                new BatchEmitter(
                        output,
                        metrics,
                        batching,
                        timers,
                        this,
                        subtask,
                        drift.flushEvents(parallelism),
                        rolloutReportInterval.toMillis());
        StatusEmitter statuses = new StatusEmitter(output, timers, subtask, parallelism);
        router = new EventRouter(slots, emitter, waiting, time -> timers.registerTimer(time, this));
        mailbox = getContainingTask().getMailboxExecutorFactory()
                .createExecutor(TaskMailbox.MIN_PRIORITY);
        MailboxExecutor installs = mailbox;
        loads =
                new ModelLoads(
                        new BackgroundLoader(provider, loadTimeout, subtask, drift.enabled(),
                                action -> installs.execute(action::run, "install model versions")),
                        loadTimeout,
                        slots,
                        new VersionInstaller(
                                emitter, statuses, served,
                                batching.maxSize()),
                        statuses,
                        router);
        for (Map.Entry<String, ModelControl> entry : desiredState.entries()) {
            loads.restore(slot(entry.getKey()), entry.getValue());
        }
        if (!restoredWaiting.isEmpty()) {
            LOG.info("{} events that waited at the checkpoint wait or are scored again",
                    restoredWaiting.size());
            long now = emitter.now();
            for (WaitingEvent event : restoredWaiting) {
                router.route(event.pending(now));
            }
            restoredWaiting.clear();
        }
        LOG.info("serving models {} with {}", router.servedNames(), batching);
        statuses.opened();
        if (statuses.hasUnsent()) {
            // Emitted from the mailbox, once the task runs (not from open()).
            mailbox.execute(loads::installFinishedLoads, "emit the statuses of open()");
        }
        if (drift.enabled()) {
            long interval = drift.flushInterval().toMillis();
            getProcessingTimeService()
                    .scheduleWithFixedDelay(
                            time -> emitter.sendDriftCounts(slots.values()), interval, interval);
        }
    }

    @Override
    public void processElement1(StreamRecord<DecodedEvent> element) throws Exception {
        // Backpressure: while the waiting events fill their bound, take no more; the mailbox
        // runs the mails that install finished loads and the timers that end graces meanwhile.
        while (router.full()) {
            mailbox.yield();
        }
        metrics.eventIn();
        router.route(
                new Pending(
                        element.getValue(),
                        element.getTimestamp(),
                        element.hasTimestamp(),
                        emitter.now()));
    }

    @Override
    public void processElement2(StreamRecord<ModelControl> element) throws Exception {
        ModelControl control = element.getValue();
        if (control.getAction() == io.inferflow.schemas.avro.ModelAction.VERSION) {
            // A version's identity, for the control gate; it changes nothing that serves.
            return;
        }
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
        loads.apply(slot(name), control);
        router.known(name);
    }

    /** A batch's timer or the end of an unknown model's grace. */
    @Override
    public void onProcessingTime(long time) throws Exception {
        router.expire(time);
        emitter.flushDue(slots.values(), time);
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
        emitter.flushAll(slots.values());
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        // Batches are scored before the barrier; events that wait for a first version or an
        // unknown model go into the checkpoint instead (snapshotState) and keep waiting.
        loads.installFinishedLoads();
        emitter.flushAll(slots.values());
        // The aggregator's and the judge's state then hold every count of the events before
        // the barrier.
        emitter.sendDriftCounts(slots.values());
        emitter.sendRolloutCounts(slots.values());
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<WaitingEvent> events = new ArrayList<>();
        for (Pending pending : router.allWaiting()) {
            events.add(new WaitingEvent(pending));
        }
        waitingState.update(events);
        servedState.update(served.all());
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
        emitter.sendDriftCounts(slots.values());
        emitter.sendRolloutCounts(slots.values());
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            if (loads != null) {
                loads.close();
            }
        }
    }

    /**
     * Leaves nothing buffered: waits (bounded) for the loads that events wait for, sends the
     * events of loads that did not finish in time to dead letters, and flushes every batch.
     */
    private void drainEverything() throws InterruptedException {
        loads.settleWaiting();
        router.deadLetterUnknown();
        emitter.flushAll(slots.values());
    }

    private ModelSlot slot(String name) {
        return slots.computeIfAbsent(
                name,
                n ->
                        new ModelSlot(
                                n,
                                (model, version, bits) ->
                                        new ModelMetrics(
                                                getMetricGroup(), model, version, bits,
                                                histograms)));
    }

    /** Records waiting in batches or for a first version, over all models. */
    int bufferedRecords() {
        return emitter == null ? 0 : emitter.buffered();
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
        return loads.finishedLoads();
    }
}
