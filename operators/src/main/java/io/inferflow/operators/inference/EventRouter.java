package io.inferflow.operators.inference;

import io.inferflow.operators.inference.ServedModel.Pending;
import io.inferflow.schemas.avro.FeatureEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides where each event of the inference operator goes, from the state of its model's slot:
 * into the active version's batch, to the events waiting for a first version that is loading, or
 * to dead letters (unknown, retired or unloaded model). Waiting events are routed again once
 * their load finished or failed, or sent to dead letters when it did not finish in time. Used on
 * the task thread only.
 */
final class EventRouter {

    private final Map<String, ModelSlot> slots;
    private final BatchEmitter batches;

    /** @param slots the operator's slots, by model name; read here, their waiting lists changed */
    EventRouter(Map<String, ModelSlot> slots, BatchEmitter batches) {
        this.slots = slots;
        this.batches = batches;
    }

    void route(Pending pending) {
        FeatureEvent event = pending.event().event;
        ModelSlot slot = slots.get(event.getModel());
        if (slot == null) {
            batches.deadLetter(pending, EventChecks.unknownModel(event, servedNames()));
        } else if (slot.retired) {
            batches.deadLetter(pending, EventChecks.retired(event));
        } else if (slot.active != null) {
            batches.add(slot.active, pending);
        } else if (slot.loading != null) {
            slot.waiting.add(pending);
            batches.held(1);
        } else {
            batches.deadLetter(
                    pending,
                    EventChecks.notServed(
                            event,
                            slot.lastRejection == null ? "no version loaded" : slot.lastRejection));
        }
    }

    /** Re-routes the events that waited for a load that has now finished or failed. */
    void release(ModelSlot slot) {
        List<Pending> waiting = takeWaiting(slot);
        for (Pending pending : waiting) {
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
        List<Pending> waiting = slot.waiting;
        if (waiting.isEmpty()) {
            return waiting;
        }
        slot.waiting = new ArrayList<>();
        batches.held(-waiting.size());
        return waiting;
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
