package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Owns which load of a model is current in the inference operator: acts on control records by
 * starting loads on the {@link BackgroundLoader}, which tells the task thread through its mailbox
 * when one finished (no polling from the record path),
 * hands the current ones to the {@link VersionInstaller} (results of superseded records are
 * discarded), and re-routes through the {@link EventRouter} the events that waited for a load.
 * Every state change happens on the task thread, in {@link #installFinishedLoads()} and the other
 * methods the operator calls.
 */
final class ModelLoads {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final BackgroundLoader loader;
    private final Duration loadTimeout;
    private final Map<String, ModelSlot> slots;
    private final VersionInstaller installer;
    private final StatusEmitter statuses;
    private final EventRouter router;

    /**
     * @param loadTimeout how long {@link #settleWaiting()} waits for the loads events wait for
     * @param slots the operator's slots, by model name; read and changed here
     * @param statuses whose statuses made in open() are emitted at the first callback
     */
    ModelLoads(
            BackgroundLoader loader,
            Duration loadTimeout,
            Map<String, ModelSlot> slots,
            VersionInstaller installer,
            StatusEmitter statuses,
            EventRouter router) {
        this.loader = loader;
        this.loadTimeout = loadTimeout;
        this.slots = slots;
        this.installer = installer;
        this.statuses = statuses;
        this.router = router;
        loader.onFinished(this::installFinishedLoads);
    }

    /** Brings one model to its desired state synchronously, before anything is scored. */
    void restore(ModelSlot slot, ModelControl desired) {
        slot.desired = desired;
        if (desired.getAction() == ModelAction.RETIRE) {
            slot.retired = true;
            return;
        }
        restoreStable(slot, desired);
        if (Rollouts.inProgress(desired)) {
            ModelControl candidate = Rollouts.candidateControl(desired);
            installCandidate(slot, candidate, keepingContract(slot, loader.loadNow(candidate)));
        }
    }

    private void restoreStable(ModelSlot slot, ModelControl desired) {
        LoadResult result = keepingContract(slot, loader.loadNow(desired));
        if (result.ok()) {
            activate(slot, result);
            return;
        }
        installer.reject(slot, desired, result.failure());
        for (ModelControl last : installer.fallbacks(slot.name)) {
            if (last.getGeneration() == desired.getGeneration()) {
                continue;
            }
            LoadResult fallback = keepingContract(slot, loader.loadNow(last));
            if (fallback.ok()) {
                activate(slot, fallback);
                return;
            }
            installer.reject(slot, last, fallback.failure());
        }
    }

    /** Acts on a control record that supersedes the slot's desired one. */
    void apply(ModelSlot slot, ModelControl control) {
        slot.desired = control;
        if (control.getAction() == ModelAction.RETIRE) {
            slot.loading = null;
            installer.dropCandidate(slot, control);
            installer.retire(slot, control);
            router.release(slot);
            return;
        }
        slot.retired = false;
        if (slot.candidate != null && sameVersion(slot.candidate.control, control)) {
            // A promotion: the candidate's session becomes the stable version, no load.
            slot.loading = null;
            installer.promote(slot, control);
            applyCandidate(slot, control);
            return;
        }
        // The candidate first, so that the stable version's status is the record's last word.
        applyCandidate(slot, control);
        if (slot.active != null && sameVersion(slot.active.control, control)) {
            // Already serving it: the record only renews the generation; a load in flight is
            // superseded and will be discarded.
            slot.loading = null;
            installer.renew(slot, control);
        } else {
            startLoad(slot, control);
        }
    }

    /**
     * Brings the slot's rollout to what {@code control} asks: no candidate (the rollout ended),
     * the same candidate (renewed), or a new one, which loads while the stable version scores.
     */
    private void applyCandidate(ModelSlot slot, ModelControl control) {
        if (!Rollouts.inProgress(control)) {
            installer.dropCandidate(slot, control);
            // Canary events that waited for a candidate go to the stable version.
            router.release(slot);
            return;
        }
        ModelControl wanted = Rollouts.candidateControl(control);
        ServedModel current = slot.candidate;
        if (current != null
                && sameVersion(current.control, wanted)
                && current.role == control.getCandidate().getMode()) {
            installer.renewCandidate(slot, control);
            return;
        }
        installer.dropCandidate(slot, control);
        ModelDescriptor descriptor;
        try {
            descriptor = ModelControls.descriptor(wanted);
        } catch (IllegalArgumentException e) {
            installer.rejectCandidate(slot, wanted, "INVALID_CONTROL: " + e.getMessage());
            router.release(slot);
            return;
        }
        slot.candidateLoading = wanted;
        loader.submit(wanted, descriptor);
    }

    private void startLoad(ModelSlot slot, ModelControl control) {
        ModelDescriptor descriptor;
        try {
            descriptor = ModelControls.descriptor(control);
        } catch (IllegalArgumentException e) {
            slot.loading = null;
            installer.reject(slot, control, "INVALID_CONTROL: " + e.getMessage());
            router.release(slot);
            return;
        }
        slot.loading = control;
        loader.submit(control, descriptor);
    }

    /** Emits the statuses made in open() and installs every load the loader has finished. */
    void installFinishedLoads() {
        statuses.emitUnsent();
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
            if (!slot.waiting.isEmpty() && slot.active != null) {
                // Canary events whose candidate did not load in time: the stable version scores.
                LOG.warn("model '{}': candidate {} did not load within {} ms; the stable version"
                                + " scores the {} canary events that waited for it", slot.name,
                        ModelControls.label(slot.candidateLoading), loadTimeout.toMillis(),
                        slot.waiting.size());
                slot.candidateLoading = null;
                router.release(slot);
            } else if (!slot.waiting.isEmpty()) {
                String why =
                        ModelControls.label(slot.loading) + " did not load within "
                                + loadTimeout.toMillis() + " ms";
                LOG.warn("model '{}': {}; {} waiting events go to dead letters",
                        slot.name, why, slot.waiting.size());
                router.deadLetterWaiting(slot, why);
            }
        }
    }

    private void install(LoadResult result) {
        ModelControl control = result.control();
        ModelSlot slot = slots.get(control.getName());
        if (slot != null && isLoad(slot.candidateLoading, control)) {
            slot.candidateLoading = null;
            installCandidate(slot, control, keepingContract(slot, result));
            return;
        }
        if (slot == null || !isLoad(slot.loading, control)) {
            LOG.debug("discarding the load of {} generation {}: superseded",
                    ModelControls.label(control), control.getGeneration());
            result.discard();
            return;
        }
        slot.loading = null;
        result = keepingContract(slot, result);
        if (result.ok()) {
            activate(slot, result);
        } else {
            installer.reject(slot, control, result.failure());
            router.release(slot);
        }
    }

    /**
     * {@code result}, or, when its version breaks the model's {@link InputContract}, a failed
     * result saying why (the loaded version's handle closed): checked just before the swap.
     */
    private LoadResult keepingContract(ModelSlot slot, LoadResult result) {
        if (!result.ok()) {
            return result;
        }
        String broken = InputContract.violation(slot, result, installer.lastServed(slot.name));
        if (broken == null) {
            return result;
        }
        result.discard();
        return LoadResult.failed(result.control(), broken, result.millis());
    }

    /** Whether {@code finished} is the load of {@code inFlight} (same generation and version). */
    private static boolean isLoad(ModelControl inFlight, ModelControl finished) {
        return inFlight != null
                && inFlight.getGeneration() == finished.getGeneration()
                && inFlight.getVersion() == finished.getVersion();
    }

    private void installCandidate(ModelSlot slot, ModelControl control, LoadResult result) {
        if (result.ok()) {
            installer.activateCandidate(slot, result);
        } else {
            installer.rejectCandidate(slot, control, result.failure());
        }
        router.release(slot);
    }

    private void activate(ModelSlot slot, LoadResult result) {
        installer.activate(slot, result);
        router.release(slot);
    }


    private boolean anyWaiting() {
        return slots.values().stream().anyMatch(s -> !s.waiting.isEmpty());
    }

    private static boolean sameVersion(ModelControl a, ModelControl b) {
        return a.getVersion() == b.getVersion() && Objects.equals(a.getSha256(), b.getSha256());
    }

    /** Stops the loader thread, then closes every version still serving. */
    void close() throws InterruptedException {
        loader.stop();
        installer.closeAll(slots.values());
    }

    /** Loads finished on the loader thread and not yet installed. */
    int finishedLoads() {
        return loader.finished();
    }
}
