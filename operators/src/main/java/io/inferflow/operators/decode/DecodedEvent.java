package io.inferflow.operators.decode;

import io.inferflow.schemas.avro.FeatureEvent;

/**
 * A decoded feature event together with the record it came from, so that any later stage can
 * send it to the dead-letter topic with its original bytes, topic, partition and offset. A Flink
 * POJO.
 */
public class DecodedEvent {

    public FeatureEvent event;
    public RawRecord source;

    public DecodedEvent() {}

    public DecodedEvent(FeatureEvent event, RawRecord source) {
        this.event = event;
        this.source = source;
    }

    @Override
    public String toString() {
        return "DecodedEvent{" + (event == null ? "null" : event.getEventId()) + " from " + source
                + '}';
    }
}
