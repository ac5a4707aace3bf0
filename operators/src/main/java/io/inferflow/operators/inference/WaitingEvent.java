package io.inferflow.operators.inference;

import io.inferflow.operators.decode.DecodedEvent;

/**
 * An event that waited for a first version or an unknown model when a checkpoint was taken, as
 * the inference operator keeps it in operator state; a Flink POJO.
 */
public class WaitingEvent {

    public DecodedEvent event;
    public long timestamp;
    public boolean hasTimestamp;

    public WaitingEvent() {}

    WaitingEvent(ServedModel.Pending pending) {
        this.event = pending.event();
        this.timestamp = pending.timestamp();
        this.hasTimestamp = pending.hasTimestamp();
    }

    /** Waits again from {@code now}. */
    ServedModel.Pending pending(long now) {
        return new ServedModel.Pending(event, timestamp, hasTimestamp, now);
    }
}
