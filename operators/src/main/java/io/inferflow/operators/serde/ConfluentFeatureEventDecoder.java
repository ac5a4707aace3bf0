package io.inferflow.operators.serde;

import io.inferflow.operators.decode.FeatureEventDecoder;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.registry.RegistrySettings;

import java.io.IOException;

/**
 * Decodes Confluent-framed Avro {@link FeatureEvent}s with a {@link ConfluentDecoder}: faults of
 * the record become {@link io.inferflow.schemas.wire.DecodeException}s (dead letters), a registry
 * that cannot be reached a plain {@link IOException} (the task fails and retries).
 *
 * <p>Not thread-safe: one instance per subtask, as Flink does with serialized functions.
 */
public final class ConfluentFeatureEventDecoder implements FeatureEventDecoder {

    private static final long serialVersionUID = 1L;

    private final ConfluentDecoder<FeatureEvent> decoder;

    public ConfluentFeatureEventDecoder(String registryUrl) {
        this(RegistrySettings.of(registryUrl));
    }

    /** A decoder using the registry {@code registry} describes (authentication, TLS). */
    public ConfluentFeatureEventDecoder(RegistrySettings registry) {
        this.decoder = new ConfluentDecoder<>(FeatureEvent.class, registry);
    }

    @Override
    public FeatureEvent decode(byte[] value) throws IOException {
        return decoder.decode(value);
    }
}
