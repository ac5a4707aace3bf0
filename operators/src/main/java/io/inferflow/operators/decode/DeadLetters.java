package io.inferflow.operators.decode;

import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Builds {@link DeadLetter}s: the original record unchanged, the reason, and the event's id and
 * model when the record could be decoded. {@code failed_at} is the current wall-clock time.
 */
public final class DeadLetters {

    private DeadLetters() {}

    /** A record that could not be decoded into an event. */
    public static DeadLetter of(RawRecord source, String errorType, String message) {
        return of(source, null, errorType, message);
    }

    /** A record whose event decoded but was rejected; {@code event} may be null. */
    public static DeadLetter of(
            RawRecord source, FeatureEvent event, String errorType, String message) {
        return DeadLetter.newBuilder()
                .setTopic(source.topic == null ? "" : source.topic)
                .setPartition(source.partition)
                .setOffset(source.offset)
                .setKey(wrap(source.key))
                .setValue(wrap(source.value))
                .setErrorType(errorType)
                .setErrorMessage(message == null ? errorType : message)
                .setFailedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setEventId(event == null ? null : event.getEventId())
                .setModel(event == null ? null : event.getModel())
                .build();
    }

    /** A decoded event that a later stage rejected. */
    public static DeadLetter of(DecodedEvent rejected, String errorType, String message) {
        return of(rejected.source, rejected.event, errorType, message);
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }
}
