package io.inferflow.operators.inference;

import io.inferflow.operators.control.ControlState;
import io.inferflow.schemas.avro.ModelControl;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Owns the operator's view of {@link ControlState#SERVED}: per model, the control record of the
 * version last made active, which restore falls back to when the desired version is rejected.
 */
final class ServedRecords {

    // The operator state backend's broadcast state is on the heap: its methods declare
    // Exception but do not throw.

    private final BroadcastState<String, ModelControl> state;

    ServedRecords(BroadcastState<String, ModelControl> state) {
        this.state = state;
    }

    /** The record of the version last made active, null when none. */
    ModelControl get(String name) {
        try {
            return state.get(name);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot read served model '" + name + "'", e);
        }
    }

    void put(String name, ModelControl control) {
        try {
            state.put(name, control);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot record served model '" + name + "'", e);
        }
    }

    void remove(String name) {
        try {
            state.remove(name);
        } catch (Exception e) {
            throw new FlinkRuntimeException("cannot remove served model '" + name + "'", e);
        }
    }
}
