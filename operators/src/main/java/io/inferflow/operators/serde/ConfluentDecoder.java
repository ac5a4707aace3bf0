package io.inferflow.operators.serde;

import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryException;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;

import java.io.IOException;
import java.io.Serializable;

/**
 * Decodes Confluent-framed Avro records into {@code T}, resolving the writer schema (fetched by
 * id, once per id) against {@code T}'s. Faults of the record become {@link DecodeException}s:
 * {@link ErrorTypes#TRUNCATED}, {@link ErrorTypes#BAD_MAGIC_BYTE}, {@link
 * ErrorTypes#UNKNOWN_SCHEMA_ID} (the registry answered 40403) and {@link ErrorTypes#UNDECODABLE};
 * a registry that cannot be reached is a plain {@link IOException}, so that good records are not
 * dead-lettered while it is down.
 *
 * <p>Not thread-safe: one instance per subtask, as Flink does with serialized functions.
 */
public final class ConfluentDecoder<T extends SpecificRecord> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String registryUrl;
    private final DeserializationSchema<T> deserializer;

    public ConfluentDecoder(Class<T> type, String registryUrl) {
        this(type, RegistrySettings.of(registryUrl));
    }

    /**
     * A decoder fetching writer schemas from the registry {@code registry} describes
     * (authentication, TLS); a registry that refuses the credentials is an {@link IOException}
     * too ({@link SchemaRegistryException#UNAUTHORIZED}), not a dead letter.
     */
    public ConfluentDecoder(Class<T> type, RegistrySettings registry) {
        this.type = type;
        this.registryUrl = registry.url();
        this.deserializer = ConfluentAvroSchemas.deserializer(type, registry);
    }

    /**
     * @throws DecodeException when the bytes are the record's fault (dead letter)
     * @throws IOException when decoding cannot proceed for another reason (registry down)
     */
    public T decode(byte[] value) throws IOException {
        int id = ConfluentWireFormat.schemaId(value);
        try {
            return deserializer.deserialize(value);
        } catch (DecodeException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
                throw new DecodeException(ErrorTypes.UNKNOWN_SCHEMA_ID, "schema id " + id
                        + " is not known to the schema registry at " + registryUrl, e);
            }
            if (e.errorCode() == SchemaRegistryException.INVALID_SCHEMA) {
                throw new DecodeException(ErrorTypes.UNDECODABLE, "schema id " + id
                        + " is not a usable Avro schema: " + e.getMessage(), e);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            // Avro reports bad bodies as EOFException, AvroTypeException (writer schema does not
            // resolve to T), AvroRuntimeException or SystemLimitException (garbage).
            throw new DecodeException(ErrorTypes.UNDECODABLE, "schema id " + id + ": the Avro body"
                    + " of " + (value.length - ConfluentWireFormat.HEADER_SIZE)
                    + " bytes does not decode into " + type.getSimpleName() + ": "
                    + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        String type = e.getClass().getSimpleName();
        return e.getMessage() == null ? type : type + ": " + e.getMessage();
    }
}
