package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ControlState;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Owns how model versions come and go in the inference operator: starting loads on the
 * {@link BackgroundLoader}, polling for the finished ones ({@link LoadPoll}), installing them (the
 * swap between two batches), rejecting versions that fail, retiring models, keeping {@link
 * ControlState#SERVED} up to date ({@link ServedRecords}) and closing versions that no longer
 * serve. Every state change happens on the task thread, in {@link #installFinishedLoads()} and
 * the other methods the operator calls.
 */
final class ModelLoads {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final BackgroundLoader loader;
    private final Duration loadTimeout;
    private final int batchSize;
    private final Map<String, ModelSlot> slots;
    private final ServedRecords served;
    private final BatchEmitter emitter;
    private final Consumer<ModelSlot> releaseWaiting;
    private final LoadPoll poll;

    /**
     * @param slots the operator's slots, by model name; read and changed here
     * @param releaseWaiting re-routes a slot's waiting events once its load finished or failed
     * @param pollCallback called when it is time to look for finished loads
     */
    ModelLoads(
            BackgroundLoader loader,
            Duration loadTimeout,
            int batchSize,
            Map<String, ModelSlot> slots,
            BroadcastState<String, ModelControl> servedState,
            BatchEmitter emitter,
            Consumer<ModelSlot> releaseWaiting,
            ProcessingTimeService time,
            ProcessingTimeCallback pollCallback) {
        this.loader = loader;
        this.loadTimeout = loadTimeout;
        this.batchSize = batchSize;
        this.slots = slots;
        this.served = new ServedRecords(servedState);
        this.emitter = emitter;
        this.releaseWaiting = releaseWaiting;
        this.poll = new LoadPoll(time, pollCallback);
    }

    /** Brings one model to its desired state synchronously, before anything is scored. */
    void restore(ModelSlot slot, ModelControl desired) {
        slot.desired = desired;
        if (desired.getAction() == ModelAction.RETIRE) {
            slot.retired = true;
            return;
        }
        LoadResult result = loader.loadNow(desired);
        if (result.ok()) {
            activate(slot, result);
            return;
        }
        reject(slot, desired, result.failure());
        ModelControl last = served.get(slot.name);
        if (last != null && last.getGeneration() != desired.getGeneration()) {
            LoadResult fallback = loader.loadNow(last);
            if (fallback.ok()) {
                activate(slot, fallback);
            } else {
                reject(slot, last, fallback.failure());
            }
        }
    }

    /** Acts on a control record that supersedes the slot's desired one. */
    void apply(ModelSlot slot, ModelControl control) {
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
            served.put(slot.name, control);
            emitter.emitStatus(
                    control, ModelState.ACTIVE, null, 0L, provider(slot.active.scorer));
            return;
        }
        startLoad(slot, control);
    }

    private void startLoad(ModelSlot slot, ModelControl control) {
        ModelDescriptor descriptor;
        try {
            descriptor = ModelControls.descriptor(control);
        } catch (IllegalArgumentException e) {
            slot.loading = null;
            reject(slot, control, "INVALID_CONTROL: " + e.getMessage());
            releaseWaiting.accept(slot);
            return;
        }
        slot.loading = control;
        loader.submit(control, descriptor);
        poll.schedule();
    }

    /** Emits the statuses made in open() and installs every load the loader has finished. */
    void installFinishedLoads() {
        if (emitter.emitUnsentStatuses() && !anyLoading()) {
            // The poll only waited to emit these.
            poll.cancel();
        }
        LoadResult result;
        while ((result = loader.poll()) != null) {
            install(result);
        }
    }

    /**
     * Waits, at most the load timeout, for the loads that events wait for; the events of loads
     * that did not finish in time go to dead letters.
     */
    void settleWaiting() throws InterruptedException {
        installFinishedLoads();
        long deadline = System.nanoTime() + loadTimeout.toNanos();
        while (anyWaiting()) {
            long left = deadline - System.nanoTime();
            LoadResult result = left > 0 ? loader.poll(left) : null;
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
                emitter.held(-waiting.size());
                for (Pending pending : waiting) {
                    emitter.deadLetter(pending, EventChecks.notServed(pending.event().event, why));
                }
            }
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
            releaseWaiting.accept(slot);
        }
    }

    /** The swap: flush the old version's batch, install the new one, close the old one. */
    private void activate(ModelSlot slot, LoadResult result) {
        ModelControl control = result.control();
        Scorer scorer = result.handle().scorer();
        String provider = provider(scorer);
        slot.metrics.loaded(result.millis());
        if (scorer.cudaFallback() != null) {
            // The loader logged the WARN once per session; this counts it per subtask.
            slot.metrics.cudaFallback();
        }
        emitter.emitStatus(control, ModelState.LOADED, null, result.millis(), provider);
        ServedModel old = slot.active;
        if (old != null) {
            emitter.flush(old);
            emitter.sendDriftCounts(old);
        }
        slot.activate(
                new ServedModel(
                        control,
                        result.handle(),
                        batchSize,
                        slot.metrics.version(control.getVersion()),
                        result.drift()));
        slot.lastRejection = null;
        served.put(slot.name, control);
        if (result.driftProblem() != null) {
            LOG.warn("model {}: its reference profile is not used, drift detection is off for"
                    + " this version: {}", ModelControls.label(control), result.driftProblem());
        }
        // An ACTIVE status carries a reason only when the version serves without its profile.
        emitter.emitStatus(
                control, ModelState.ACTIVE, result.driftProblem(), result.millis(), provider);
        LOG.info("model '{}': {} -> v{} (generation {}, loaded in {} ms, on {}{})",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getVersion(),
                control.getGeneration(),
                result.millis(),
                provider,
                scorer.cudaFallback() == null ? "" : ", not CUDA: " + scorer.cudaFallback());
        if (old != null) {
            closeQuietly(old);
        }
        releaseWaiting.accept(slot);
    }

    private void reject(ModelSlot slot, ModelControl control, String reason) {
        slot.metrics.loadFailed();
        slot.lastRejection = ModelControls.label(control) + " was rejected (" + reason + ")";
        emitter.emitStatus(control, ModelState.REJECTED, reason, 0L);
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
            emitter.flush(old);
            emitter.sendDriftCounts(old);
            closeQuietly(old);
        }
        served.remove(slot.name);
        emitter.emitStatus(control, ModelState.RETIRED, null, 0L);
        LOG.info("model '{}': {} -> retired (generation {})",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getGeneration());
        releaseWaiting.accept(slot);
    }

    // --- polling

    /** Forgets the poll timer once its time has come; called by every processing-time timer. */
    void onTimer(long now) {
        poll.onTimer(now);
    }

    /** Polls again in {@value MicroBatchInferenceOperator#POLL_MILLIS} ms if a load is pending. */
    void pollWhileLoading() {
        if (anyLoading()) {
            poll.schedule();
        }
    }

    /** Polls once soon, for the statuses made in open(). */
    void schedulePoll() {
        poll.schedule();
    }

    private boolean anyLoading() {
        return slots.values().stream().anyMatch(s -> s.loading != null);
    }

    private boolean anyWaiting() {
        return slots.values().stream().anyMatch(s -> !s.waiting.isEmpty());
    }

    /** The status topic's name of what {@code scorer} runs on. */
    private static String provider(Scorer scorer) {
        return scorer.executionProvider().name();
    }

    private static boolean sameVersion(ModelControl a, ModelControl b) {
        return a.getVersion() == b.getVersion() && Objects.equals(a.getSha256(), b.getSha256());
    }

    // --- resources

    /** Stops the loader thread, then closes every version still serving. */
    void close() throws InterruptedException {
        loader.stop();
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

    /** Loads finished on the loader thread and not yet installed. */
    int finishedLoads() {
        return loader.finished();
    }
}
