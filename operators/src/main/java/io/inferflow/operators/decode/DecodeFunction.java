package io.inferflow.operators.decode;

import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.metrics.DecodeMetrics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Decodes raw feature records and checks their required fields. Records that are their own fault
 * (bad bytes, missing fields) go to {@link SideOutputs#DEAD_LETTERS} with the original bytes;
 * any other failure of the decoder (registry unreachable) fails the task, so that no good record
 * is dead-lettered and the record is read again after recovery.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<DecodedEvent> decoded =
 *         raw.process(new DecodeFunction(decoder)).name("decode").uid("decode");
 * DataStream<DeadLetter> bad = decoded.getSideOutput(SideOutputs.DEAD_LETTERS);
 * }</pre>
 */
public class DecodeFunction extends ProcessFunction<RawRecord, DecodedEvent> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(DecodeFunction.class);

    /** The same tag as {@link SideOutputs#DEAD_LETTERS}, here for discoverability. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            SideOutputs.DEAD_LETTERS;

    private final FeatureEventDecoder decoder;

    private transient DecodeMetrics metrics;

    public DecodeFunction(FeatureEventDecoder decoder) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder.open();
        metrics = new DecodeMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<DecodedEvent> out)
            throws Exception {
        FeatureEvent event;
        try {
            event = decoder.decode(record.value);
        } catch (DecodeException e) {
            deadLetter(record, null, e.errorType(), e.getMessage(), ctx);
            return;
        }
        String invalid = missingField(event);
        if (invalid != null) {
            deadLetter(record, event, ErrorTypes.INVALID_EVENT, invalid, ctx);
            return;
        }
        metrics.decoded();
        out.collect(new DecodedEvent(event, record));
    }

    /** Says which required field is missing or empty, or returns null when none is. */
    static String missingField(FeatureEvent event) {
        if (event == null) {
            return "the decoder returned no event";
        }
        if (isEmpty(event.getEventId())) {
            return "required field 'event_id' is missing or empty";
        }
        if (isEmpty(event.getEntityId())) {
            return "event '" + event.getEventId()
                    + "': required field 'entity_id' is missing or empty";
        }
        if (isEmpty(event.getModel())) {
            return "event '" + event.getEventId() + "': required field 'model' is missing or empty";
        }
        if (event.getFeatures() == null) {
            return "event '" + event.getEventId() + "': required field 'features' is missing";
        }
        if (event.getInputs() == null) {
            return "event '" + event.getEventId() + "': field 'inputs' is missing";
        }
        return null;
    }

    private static boolean isEmpty(CharSequence s) {
        return s == null || s.length() == 0;
    }

    private void deadLetter(
            RawRecord record, FeatureEvent event, String errorType, String message, Context ctx) {
        LOG.debug("dead letter {} for {}: {}", errorType, record, message);
        metrics.deadLettered(errorType);
        ctx.output(SideOutputs.DEAD_LETTERS, DeadLetters.of(record, event, errorType, message));
    }

    /** For tests: this subtask's metrics, available after open. */
    DecodeMetrics metrics() {
        return metrics;
    }
}
