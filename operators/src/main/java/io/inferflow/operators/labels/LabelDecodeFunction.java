package io.inferflow.operators.labels;

import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.decode.DeadLetters;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.serde.ConfluentDecoder;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Objects;

/**
 * Decodes label records. A record that is its own fault (bad bytes, empty {@code event_id}, a
 * label that is not finite) goes to {@link SideOutputs#DEAD_LETTERS} with the original bytes; a
 * registry that cannot be reached fails the task, as for features.
 */
public class LabelDecodeFunction extends ProcessFunction<RawRecord, Label> {

    private static final long serialVersionUID = 1L;

    private final ConfluentDecoder<Label> decoder;

    public LabelDecodeFunction(ConfluentDecoder<Label> decoder) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Label> out)
            throws Exception {
        Label label;
        try {
            label = decoder.decode(record.value);
        } catch (DecodeException e) {
            ctx.output(
                    SideOutputs.DEAD_LETTERS,
                    DeadLetters.of(record, e.errorType(), "label: " + e.getMessage()));
            return;
        }
        String invalid = invalid(label);
        if (invalid != null) {
            ctx.output(
                    SideOutputs.DEAD_LETTERS,
                    DeadLetters.of(record, ErrorTypes.INVALID_EVENT, invalid));
            return;
        }
        out.collect(label);
    }

    /** Why the label cannot be used, or null. */
    static String invalid(Label label) {
        if (label.getEventId() == null || label.getEventId().isEmpty()) {
            return "label: required field 'event_id' is missing or empty";
        }
        if (!Double.isFinite(label.getLabel())) {
            return "label for event '" + label.getEventId() + "': 'label' is "
                    + label.getLabel() + ", expected a finite number";
        }
        return null;
    }
}
