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

    /** The records of a restored union state, the highest generation per model. */
    static ServedRecords restore(Iterable<ModelControl> restored) throws Exception {
        ServedRecords records = new ServedRecords();
        if (restored != null) {
            for (ModelControl control : restored) {
                records.byModel.merge(control.getName(), control,
                        (a, b) -> b.getGeneration() > a.getGeneration() ? b : a);
            }
        }
        return records;
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
