package io.inferflow.operators.control;

import io.inferflow.schemas.avro.ModelControl;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The broadcast state of the model control plane and the rule that decides which control record
 * wins. State holds descriptors (Avro {@link ModelControl} records), never model bytes.
 *
 * <p>For each model the record with the highest {@code generation} is its desired state, whatever
 * the order in which the records reach a subtask; a record whose generation is equal (a
 * duplicate) or lower (stale) changes nothing. So every subtask ends in the same state.
 *
 * <pre>{@code
 * events.connect(control.broadcast(ControlState.DESIRED))
 *         .transform("inference", new AvroTypeInfo<>(Prediction.class), operator);
 * }</pre>
 */
public final class ControlState {

    /** Model name to the control record with the highest generation seen: the desired state. */
    public static final MapStateDescriptor<String, ModelControl> DESIRED =
            new MapStateDescriptor<>(
                    "model-control", Types.STRING, new AvroTypeInfo<>(ModelControl.class));

    /** The name the job's {@code broadcast(...)} call uses: the same as {@link #DESIRED}. */
    public static final MapStateDescriptor<String, ModelControl> DESCRIPTOR = DESIRED;

    private ControlState() {}

    /**
     * Whether {@code incoming} replaces {@code current} as the model's desired state: true when
     * there is no current record or the incoming generation is higher.
     *
     * @throws IllegalArgumentException when both are given and name different models
     */
    public static boolean supersedes(ModelControl current, ModelControl incoming) {
        if (incoming == null) {
            return false;
        }
        if (current == null) {
            return true;
        }
        if (!current.getName().equals(incoming.getName())) {
            throw new IllegalArgumentException(
                    "control records of different models compared: '" + current.getName()
                            + "' and '" + incoming.getName() + "'");
        }
        return incoming.getGeneration() > current.getGeneration();
    }
}
