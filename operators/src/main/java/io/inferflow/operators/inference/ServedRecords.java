package io.inferflow.operators.inference;

import io.inferflow.schemas.avro.ModelControl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per model, the control record of the version this subtask last made active, which restore
 * falls back to when the desired version is rejected. A per-subtask fact, kept in the operator's
 * union list state ({@link MicroBatchInferenceOperator#SERVED}), not in broadcast state: on
 * restore, at any parallelism, each subtask starts from the records every subtask wrote and keeps
 * the one with the highest generation per model. Used on the task thread only.
 */
final class ServedRecords {

    private final Map<String, ModelControl> byModel = new HashMap<>();
    /** Per model, what any subtask served at the restored snapshot, highest generation first. */
    private final Map<String, List<ModelControl>> restored = new HashMap<>();

    /** The records of a restored union state: per model, the highest generation serves first. */
    static ServedRecords restore(Iterable<ModelControl> restored) throws Exception {
        ServedRecords records = new ServedRecords();
        if (restored != null) {
            for (ModelControl control : restored) {
                List<ModelControl> list =
                        records.restored.computeIfAbsent(control.getName(), n -> new ArrayList<>());
                if (list.stream().noneMatch(c -> c.getGeneration() == control.getGeneration())) {
                    list.add(control);
                }
            }
        }
        for (Map.Entry<String, List<ModelControl>> e : records.restored.entrySet()) {
            e.getValue().sort((a, b) -> Long.compare(b.getGeneration(), a.getGeneration()));
            records.byModel.put(e.getKey(), e.getValue().get(0));
        }
        return records;
    }

    /**
     * The versions to fall back to, best first: what this subtask served last, then what any
     * subtask served at the restored snapshot (subtasks may have served different versions, e.g.
     * one whose load of the desired version had failed).
     */
    List<ModelControl> fallbacks(String name) {
        List<ModelControl> out = new ArrayList<>();
        ModelControl last = byModel.get(name);
        if (last != null) {
            out.add(last);
        }
        for (ModelControl c : restored.getOrDefault(name, List.of())) {
            if (out.stream().noneMatch(o -> o.getGeneration() == c.getGeneration())) {
                out.add(c);
            }
        }
        return out;
    }

    /** The record of the version last made active, null when none. */
    ModelControl get(String name) {
        return byModel.get(name);
    }

    void put(String name, ModelControl control) {
        byModel.put(name, control);
    }

    void remove(String name) {
        byModel.remove(name);
    }

    /** Every record, for the snapshot. */
    List<ModelControl> all() {
        return new ArrayList<>(byModel.values());
    }
}
