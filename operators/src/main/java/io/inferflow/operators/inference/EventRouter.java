package io.inferflow.operators.inference;

import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.schemas.avro.FeatureEvent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides where each event of the inference operator goes, from the state of its model's slot:
 * into the active version's batch, to the events waiting for a first version that is loading, to
 * the events waiting for a model not known yet (within {@link WaitingSettings#unknownModelGrace()}
 * of that model's first sighting on this subtask), or to dead letters (unknown past the grace,
 * retired or unloaded model). Waiting events are routed again once their load finished or failed,
 * or their model's first control record arrived; events of a model still unknown when its grace
 * ends go to dead letters. Used on the task thread only.
 */
final class EventRouter {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final Map<String, ModelSlot> slots;
    private final BatchEmitter batches;
    private final WaitingSettings settings;
    private final GraceTimer timer;
    /** Events of models no control record named yet, by model, in arrival order. */
    private final Map<String, List<Pending>> unknown = new LinkedHashMap<>();
    /** When each model was first seen on this subtask since it opened (processing time). */
    private final Map<String, Long> firstSeen = new HashMap<>();
    private int waiting;

    /** Asks for a call of {@link #expire} at a processing time. */
    @FunctionalInterface
    interface GraceTimer {
        void at(long time);
    }

    /**
     * @param slots the operator's slots, by model name; read here, their waiting lists changed
     * @param timer registers the processing-time timer that ends a model's grace
     */
    EventRouter(Map<String, ModelSlot> slots, BatchEmitter batches, WaitingSettings settings,
            GraceTimer timer) {
        this.slots = slots;
        this.batches = batches;
        this.settings = settings;
        this.timer = timer;
    }

    void route(Pending pending) {
        FeatureEvent event = pending.event().event;
        ModelSlot slot = slots.get(event.getModel());
        if (slot == null) {
            waitForUnknown(pending);
        } else if (slot.retired) {
            batches.deadLetter(pending, EventChecks.retired(event));
        } else if (slot.active != null) {
            routeServed(slot, pending);
        } else if (slot.loading != null) {
            slot.waiting.add(pending);
            hold(1);
        } else {
            batches.deadLetter(
                    pending,
                    EventChecks.notServed(
                            event,
                            slot.lastRejection == null ? "no version loaded" : slot.lastRejection));
        }
    }

    /**
     * A canary's entities go to its candidate, and wait for it while it loads (so that an entity
     * sees one version for the whole rollout); every other event goes to the stable version.
     */
    private void routeServed(ModelSlot slot, Pending pending) {
        if (!slot.canaryScores(pending.event().event.getEntityId())) {
            batches.add(slot.active, pending);
        } else if (slot.candidate != null) {
            batches.add(slot.candidate, pending);
        } else if (slot.candidateLoading != null) {
            slot.waiting.add(pending);
            hold(1);
        } else {
            // The candidate was rejected or is not loaded here: the stable version scores.
            batches.add(slot.active, pending);
        }
    }

    private void waitForUnknown(Pending pending) {
        String model = pending.event().event.getModel();
        long now = batches.now();
        long first = firstSeen.computeIfAbsent(model, m -> now);
        long deadline = first + settings.unknownModelGrace().toMillis();
        if (now >= deadline) {
            batches.deadLetter(pending, EventChecks.unknownModel(pending.event().event,
                    servedNames()));
            return;
        }
        List<Pending> list = unknown.computeIfAbsent(model, m -> new ArrayList<>());
        if (list.isEmpty()) {
            timer.at(deadline);
        }
        list.add(pending);
        hold(1);
    }

    /** A control record made {@code model} known: its waiting events are routed to its slot. */
    void known(String model) {
        List<Pending> list = unknown.remove(model);
        if (list != null) {
            hold(-list.size());
            list.forEach(this::route);
        }
    }

    /** Sends the events of models whose grace has ended by {@code now} to dead letters. */
    void expire(long now) {
        long grace = settings.unknownModelGrace().toMillis();
        for (Iterator<Map.Entry<String, List<Pending>>> it = unknown.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, List<Pending>> entry = it.next();
            if (firstSeen.get(entry.getKey()) + grace <= now) {
                it.remove();
                hold(-entry.getValue().size());
                LOG.warn("model '{}': no control record within {} ms of its first event on this"
                                + " subtask; {} waiting events go to dead letters",
                        entry.getKey(), grace, entry.getValue().size());
                for (Pending pending : entry.getValue()) {
                    batches.deadLetter(pending, EventChecks.unknownModel(pending.event().event,
                            servedNames()));
                }
            }
        }
    }

    /** Sends every event waiting for an unknown model to dead letters (end of input). */
    void deadLetterUnknown() {
        expire(Long.MAX_VALUE);
    }

    /** Re-routes the events that waited for a load that has now finished or failed. */
    void release(ModelSlot slot) {
        List<Pending> waitingForSlot = takeWaiting(slot);
        for (Pending pending : waitingForSlot) {
            route(pending);
        }
    }

    /** Sends the events waiting for the slot's load to dead letters; {@code why} says why. */
    void deadLetterWaiting(ModelSlot slot, String why) {
        for (Pending pending : takeWaiting(slot)) {
            batches.deadLetter(pending, EventChecks.notServed(pending.event().event, why));
        }
    }

    private List<Pending> takeWaiting(ModelSlot slot) {
        List<Pending> list = slot.waiting;
        if (list.isEmpty()) {
            return list;
        }
        slot.waiting = new ArrayList<>();
        hold(-list.size());
        return list;
    }

    private void hold(int delta) {
        waiting += delta;
        batches.held(delta);
    }

    /** Events waiting for a first version or for an unknown model. */
    int waiting() {
        return waiting;
    }

    /** Whether the waiting events fill {@link WaitingSettings#maxEvents()}: stop taking input. */
    boolean full() {
        return waiting >= settings.maxEvents();
    }

    /** Every waiting event (for a first version or an unknown model), in no particular order. */
    List<Pending> allWaiting() {
        List<Pending> all = new ArrayList<>();
        slots.values().forEach(s -> all.addAll(s.waiting));
        unknown.values().forEach(all::addAll);
        return all;
    }

    /** Models that serve or will serve events, sorted. */
    Set<String> servedNames() {
        Set<String> names = new TreeSet<>();
        for (ModelSlot slot : slots.values()) {
            if (!slot.retired && (slot.active != null || slot.loading != null)) {
                names.add(slot.name);
            }
        }
        return names;
    }
}
