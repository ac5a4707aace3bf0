package io.inferflow.operators.decode;

import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.wire.DecodeException;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns the value bytes of a features record into an event. Serializable so it can travel with
 * the job graph; {@link #open()} is called once per subtask before the first record.
 */
public interface FeatureEventDecoder extends Serializable {

    default void open() throws Exception {}

    /**
     * @throws DecodeException when the bytes are the record's fault (dead letter)
     * @throws IOException when decoding cannot proceed for another reason (registry down)
     */
    FeatureEvent decode(byte[] value) throws IOException;
}
