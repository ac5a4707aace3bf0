package io.inferflow.operators.serde;

import io.inferflow.schemas.Topics;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;

/**
 * Flink (de)serialization schemas for Avro specific records in the Confluent wire format, with
 * schemas in a Schema Registry (topic-name strategy: subject {@code <topic>-value}).
 *
 * <pre>{@code
 * SerializationSchema<Prediction> out =
 *         ConfluentAvroSchemas.serializer(Prediction.class, registryUrl, "predictions");
 * DeserializationSchema<FeatureEvent> in =
 *         ConfluentAvroSchemas.deserializer(FeatureEvent.class, registryUrl);
 * }</pre>
 *
 * <p>Each takes the registry as a URL or as {@link RegistrySettings} (basic or bearer
 * authentication, TLS, mutual TLS), e.g. {@code RegistrySettings.fromProperties(null,
 * clientProperties)}. Neither needs {@code open()}: both set themselves up on first use.
 */
public final class ConfluentAvroSchemas {

    private ConfluentAvroSchemas() {}

    /** Writes {@code type} framed with the id it has under subject {@code <topic>-value}. */
    public static <T extends SpecificRecord> SerializationSchema<T> serializer(
            Class<T> type, String registryUrl, String topic) {
        return serializer(type, RegistrySettings.of(registryUrl), topic);
    }

    /**
     * Writes {@code type} framed with the id it has under subject {@code <topic>-value} in the
     * registry {@code registry} describes (authentication, TLS).
     */
    public static <T extends SpecificRecord> SerializationSchema<T> serializer(
            Class<T> type, RegistrySettings registry, String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic is empty: '" + topic + "'");
        }
        return RegistryAvroSerializationSchema.forSpecific(
                type, ConfluentSchemaCoder.provider(registry, Topics.valueSubject(topic)));
    }

    /**
     * Reads framed values written with any schema that Avro resolves to {@code type}'s schema;
     * the writer schema is fetched by the id in the header (once per id).
     */
    public static <T extends SpecificRecord> DeserializationSchema<T> deserializer(
            Class<T> type, String registryUrl) {
        return deserializer(type, RegistrySettings.of(registryUrl));
    }

    /**
     * Reads framed values written with any schema that Avro resolves to {@code type}'s schema;
     * the writer schema is fetched by the id in the header (once per id) from the registry
     * {@code registry} describes (authentication, TLS).
     */
    public static <T extends SpecificRecord> DeserializationSchema<T> deserializer(
            Class<T> type, RegistrySettings registry) {
        return new RegistryAvroDeserializationSchema<>(type, SpecificData.get().getSchema(type),
                ConfluentSchemaCoder.provider(registry, null));
    }
}
