package io.inferflow.operators.inference;

import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ControlState;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.operators.rollout.RolloutTally;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;

/**
 * Changes the version a model's slot serves, and says so: installs a loaded version (the swap
 * between two batches: flush the old version's batch, install the new one, close the old one),
 * records a rejected version while the previous one keeps serving, retires a model, and closes
 * the versions still serving at the end. Each change emits its model status, updates {@link
 * MicroBatchInferenceOperator#SERVED} ({@link ServedRecords}) and, for swaps and retirements, logs one INFO
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

    /** The versions a restore may fall back to, best first ({@link ServedRecords#fallbacks}). */
    List<ModelControl> fallbacks(String model) {
        return served.fallbacks(model);
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
                        slot,
                        null,
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

    // --- rollouts

    /** The rollout's candidate loaded: it serves beside the stable version from now on. */
    void activateCandidate(ModelSlot slot, LoadResult result) {
        ModelControl control = result.control();
        RolloutMode role = slot.desired.getCandidate().getMode();
        Scorer scorer = result.handle().scorer();
        String provider = provider(scorer);
        slot.metrics.loaded(result.millis());
        statuses.emit(control, ModelState.LOADED, null, result.millis(), provider, role);
        slot.candidate =
                new ServedModel(
                        slot,
                        role,
                        control,
                        result.handle(),
                        batchSize,
                        slot.metrics.version(control.getVersion()),
                        result.drift());
        slot.tally = new RolloutTally(
                slot.name, slot.desired.getGeneration(), slot.desired.getVersion(),
                control.getVersion());
        statuses.emit(control, ModelState.ACTIVE, result.driftProblem(), result.millis(),
                provider, role);
        LOG.info("model '{}': {} candidate v{} serves beside v{} ({}, generation {}, loaded in"
                        + " {} ms, on {})",
                slot.name, role.name().toLowerCase(), control.getVersion(),
                slot.desired.getVersion(), Rollouts.label(slot.desired),
                control.getGeneration(), result.millis(), provider);
    }

    /** The record renews the rollout the slot already runs: only its generation is new. */
    void renewCandidate(ModelSlot slot, ModelControl desired) {
        ServedModel candidate = slot.candidate;
        slot.tally.renew(desired.getGeneration());
        statuses.emit(withGeneration(candidate.control, desired), ModelState.ACTIVE, null, 0L,
                provider(candidate.scorer), candidate.role);
    }

    /** The rollout's candidate failed to load: the stable version scores every event. */
    void rejectCandidate(ModelSlot slot, ModelControl control, String reason) {
        slot.metrics.loadFailed();
        RolloutMode role = slot.desired.getCandidate().getMode();
        statuses.emit(control, ModelState.REJECTED, reason, 0L, null, role);
        LOG.warn("model {} candidate generation {} rejected, {} scores every event: {}",
                ModelControls.label(control), control.getGeneration(),
                slot.active == null ? "the stable version" : slot.active.label, reason);
    }

    /**
     * Ends the slot's rollout for the record {@code desired}, which has no candidate or another
     * one: the candidate's batch is scored, its counts are sent, then it is closed and reported
     * RETIRED with the record's note as the reason.
     */
    void dropCandidate(ModelSlot slot, ModelControl desired) {
        slot.candidateLoading = null;
        ServedModel candidate = slot.candidate;
        if (candidate == null) {
            slot.tally = null;
            return;
        }
        batches.flush(candidate);
        batches.sendDriftCounts(candidate);
        batches.sendRolloutCounts(slot);
        slot.candidate = null;
        slot.tally = null;
        closeQuietly(candidate);
        String reason = desired.getNote() != null
                ? desired.getNote()
                : "rollout ended by generation " + desired.getGeneration();
        statuses.emit(withGeneration(candidate.control, desired), ModelState.RETIRED, reason, 0L,
                null, candidate.role);
        LOG.info("model '{}': candidate v{} stopped (generation {}): {}",
                slot.name, candidate.control.getVersion(), desired.getGeneration(), reason);
    }

    /**
     * The record makes the slot's candidate its only version: no load, the candidate's session
     * keeps serving as the stable version and the old stable one is closed.
     */
    void promote(ModelSlot slot, ModelControl control) {
        ServedModel candidate = slot.candidate;
        ServedModel old = slot.active;
        // The candidate's failures fall back to the old version: score its batch first.
        batches.flush(candidate);
        batches.sendRolloutCounts(slot);
        if (old != null) {
            batches.flush(old);
            batches.sendDriftCounts(old);
        }
        slot.candidate = null;
        slot.tally = null;
        slot.candidateLoading = null;
        slot.activate(candidate.as(null, control, batchSize));
        slot.lastRejection = null;
        served.put(slot.name, control);
        statuses.emit(control, ModelState.ACTIVE, null, 0L, provider(candidate.scorer));
        LOG.info("model '{}': {} -> v{} promoted (generation {}{})",
                slot.name,
                old == null ? "none" : "v" + old.control.getVersion(),
                control.getVersion(),
                control.getGeneration(),
                control.getNote() == null ? "" : ", " + control.getNote());
        if (old != null) {
            closeQuietly(old);
        }
    }

    private static ModelControl withGeneration(ModelControl version, ModelControl desired) {
        return ModelControl.newBuilder(version).setGeneration(desired.getGeneration()).build();
    }

    /** Closes every version still serving, candidates too. */
    void closeAll(Collection<ModelSlot> slots) {
        for (ModelSlot slot : slots) {
            if (slot.candidate != null) {
                closeQuietly(slot.candidate);
                slot.candidate = null;
            }
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
