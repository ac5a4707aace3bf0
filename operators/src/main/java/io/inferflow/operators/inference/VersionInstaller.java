package io.inferflow.operators.inference;

import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ControlState;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;

/**
 * Changes the version a model's slot serves, and says so: installs a loaded version (the swap
 * between two batches: flush the old version's batch, install the new one, close the old one),
 * records a rejected version while the previous one keeps serving, retires a model, and closes
 * the versions still serving at the end. Each change emits its model status, updates {@link
 * ControlState#SERVED} ({@link ServedRecords}) and, for swaps and retirements, logs one INFO
 * line. Which load is current is {@link ModelLoads}'s business, not this class's. Used on the
 * task thread only.
 */
final class VersionInstaller {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final BatchEmitter batches;
    private final StatusEmitter statuses;
    private final ServedRecords served;
    private final int batchSize;

    /** @param batchSize rows the direct buffer of a new version holds at first */
    VersionInstaller(
            BatchEmitter batches, StatusEmitter statuses, ServedRecords served, int batchSize) {
        this.batches = batches;
        this.statuses = statuses;
        this.served = served;
        this.batchSize = batchSize;
    }

    /** The record of the version last made active for {@code model}, null when none. */
    ModelControl lastServed(String model) {
        return served.get(model);
    }

    /** The slot already serves the version {@code control} names: only its generation is new. */
    void renew(ModelSlot slot, ModelControl control) {
        served.put(slot.name, control);
        statuses.emit(control, ModelState.ACTIVE, null, 0L, provider(slot.active.scorer));
    }

    /** The swap: flush the old version's batch, install the new one, close the old one. */
    void activate(ModelSlot slot, LoadResult result) {
        ModelControl control = result.control();
        Scorer scorer = result.handle().scorer();
        String provider = provider(scorer);
        slot.metrics.loaded(result.millis());
        if (scorer.cudaFallback() != null) {
            // The loader logged the WARN once per session; this counts it per subtask.
            slot.metrics.cudaFallback();
        }
        statuses.emit(control, ModelState.LOADED, null, result.millis(), provider);
        ServedModel old = slot.active;
        if (old != null) {
            batches.flush(old);
            batches.sendDriftCounts(old);
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
        statuses.emit(
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
    }

    /** The version {@code control} names failed to load; whatever serves keeps serving. */
    void reject(ModelSlot slot, ModelControl control, String reason) {
        slot.metrics.loadFailed();
        slot.lastRejection = ModelControls.label(control) + " was rejected (" + reason + ")";
        statuses.emit(control, ModelState.REJECTED, reason, 0L);
        LOG.warn("model {} generation {} rejected, {}: {}",
                ModelControls.label(control),
                control.getGeneration(),
                slot.active == null ? "no version serves" : slot.active.label + " keeps serving",
                reason);
    }

    /** Stops serving the model: flushes, closes and forgets its version. */
    void retire(ModelSlot slot, ModelControl control) {
        slot.retired = true;
        ServedModel old = slot.active;
        slot.activate(null);
        if (old != null) {
            batches.flush(old);
            batches.sendDriftCounts(old);
            closeQuietly(old);
        }
        served.remove(slot.name);
        statuses.emit(control, ModelState.RETIRED, null, 0L);
        LOG.info("model '{}': {} -> retired (generation {})",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getGeneration());
    }

    /** Closes every version still serving. */
    void closeAll(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
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

    /** The status topic's name of what {@code scorer} runs on. */
    private static String provider(Scorer scorer) {
        return scorer.executionProvider().name();
    }
}
