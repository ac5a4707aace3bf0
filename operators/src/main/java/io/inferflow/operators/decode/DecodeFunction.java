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

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * Decodes raw feature records and checks their required fields. Records that are their own fault
 * (bad bytes, missing fields) go to {@link SideOutputs#DEAD_LETTERS} with the original bytes;
 * any other failure of the decoder (the registry unreachable for a schema id not cached yet) is
 * tried again in place, with backoff, for up to {@link #withRegistryWait the registry wait}, so
 * that a short registry outage only delays the records of new schema ids (records of cached ids
 * decode without the registry); past the wait it fails the task, and the record is read again
 * after recovery. No good record is dead-lettered for the registry's fault.
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

    /** The default of {@code registry.unavailable-wait}. */
    public static final Duration DEFAULT_REGISTRY_WAIT = Duration.ofSeconds(60);

    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final FeatureEventDecoder decoder;
    private Duration registryWait = DEFAULT_REGISTRY_WAIT;

    private transient DecodeMetrics metrics;

    public DecodeFunction(FeatureEventDecoder decoder) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    /**
     * How long a record whose decoding fails for a reason other than its bytes (the registry
     * unreachable) is tried again before the task fails ({@code registry.unavailable-wait}).
     * Checkpoints of the task wait meanwhile. Call before the job is built.
     */
    public DecodeFunction withRegistryWait(Duration wait) {
        if (wait.isNegative()) {
            throw new IllegalArgumentException("registry wait must not be negative, got " + wait);
        }
        this.registryWait = wait;
        return this;
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
            event = decodeWaitingForTheRegistry(record);
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

    /**
     * Decodes {@code record}, trying again while the decoder fails for a reason that is not the
     * record's (an {@link IOException} other than a {@link DecodeException}), for up to the
     * registry wait; then the last failure is thrown and fails the task.
     */
    private FeatureEvent decodeWaitingForTheRegistry(RawRecord record) throws Exception {
        long deadline = System.nanoTime() + registryWait.toNanos();
        long pause = FIRST_RETRY_MILLIS;
        int attempt = 1;
        while (true) {
            try {
                return decoder.decode(record.value);
            } catch (DecodeException e) {
                throw e;
            } catch (IOException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String waited = registryWait.toMillis() % 1000 == 0
                            ? registryWait.toSeconds() + " s" : registryWait.toMillis() + " ms";
                    throw new IOException("decoding " + record + " failed for " + waited
                            + " (registry.unavailable-wait): " + e.getMessage(), e);
                }
                if (attempt == 1 || attempt % 10 == 0) {
                    LOG.warn("decoding {} failed (attempt {}), trying again for up to {} s more:"
                            + " {}", record, attempt, left / 1_000_000_000L, e.getMessage());
                }
                metrics.registryRetry();
                Thread.sleep(Math.min(pause, left / 1_000_000L + 1));
                pause = Math.min(MAX_RETRY_MILLIS, pause * 2);
                attempt++;
            }
        }
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
