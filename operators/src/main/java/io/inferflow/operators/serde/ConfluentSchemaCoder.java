package io.inferflow.operators.serde;

import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Plugs the Confluent wire format into flink-avro's {@code RegistryAvro*Schema}s: reading takes
 * the magic byte and schema id off the stream and fetches the writer schema by id; writing
 * registers the schema under the subject (once; the client caches) and writes the header.
 * Schemas and ids are cached by {@link SchemaRegistryClient}, so the registry is called once per
 * schema, never per record.
 */
public final class ConfluentSchemaCoder implements SchemaCoder {

    private final SchemaRegistryClient client;
    private final String subject;

    /**
     * @param subject the subject writers register under, e.g. {@code predictions-value}; null for
     *     a coder that only reads
     */
    public ConfluentSchemaCoder(SchemaRegistryClient client, String subject) {
        this.client = Objects.requireNonNull(client, "client");
        this.subject = subject;
    }

    /** A provider for readers and writers of {@code subject} (null: read only). */
    public static Provider provider(String registryUrl, String subject) {
        return provider(RegistrySettings.of(registryUrl), subject);
    }

    /**
     * A provider for readers and writers of {@code subject} (null: read only) of the registry
     * {@code settings} describe (authentication, TLS):
     *
     * <pre>{@code
     * RegistrySettings settings = RegistrySettings.fromProperties(null, clientProperties);
     * ConfluentSchemaCoder.Provider provider = ConfluentSchemaCoder.provider(settings, null);
     * }</pre>
     */
    public static Provider provider(RegistrySettings settings, String subject) {
        return new Provider(settings, subject);
    }

    /**
     * @throws io.inferflow.schemas.wire.DecodeException when the header is short or its magic
     *     byte wrong
     * @throws io.inferflow.schemas.registry.SchemaRegistryException when the registry does not
     *     know the id (error code 40403) or cannot be reached
     */
    @Override
    public Schema readSchema(InputStream in) throws IOException {
        byte[] header = in.readNBytes(ConfluentWireFormat.HEADER_SIZE);
        return client.getById(ConfluentWireFormat.schemaId(header));
    }

    @Override
    public void writeSchema(Schema schema, OutputStream out) throws IOException {
        if (subject == null) {
            throw new IllegalStateException("this schema coder for " + client.baseUrl()
                    + " has no subject and cannot write " + schema.getFullName());
        }
        ConfluentWireFormat.writeHeader(client.register(subject, schema), out);
    }

    /**
     * Serializable recipe for a {@link ConfluentSchemaCoder}: the registry settings and subject.
     * The client is created on first use in each JVM that deserializes the provider and is never
     * serialized itself; the settings' config-provider references are resolved there.
     */
    public static final class Provider implements SchemaCoder.SchemaCoderProvider {

        private static final long serialVersionUID = 2L;

        private final RegistrySettings settings;
        private final String subject;
        private transient SchemaRegistryClient client;

        Provider(RegistrySettings settings, String subject) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.subject = subject;
        }

        @Override
        public synchronized SchemaCoder get() {
            if (client == null) {
                client = new SchemaRegistryClient(settings);
            }
            return new ConfluentSchemaCoder(client, subject);
        }

        /** The registry's base URL, without user info. */
        public String registryUrl() {
            return settings.url();
        }

        public RegistrySettings settings() {
            return settings;
        }

        /** The subject writers register under; null for a read-only provider. */
        public String subject() {
            return subject;
        }

        // flink-avro compares schemas by their providers.
        @Override
        public boolean equals(Object o) {
            return o instanceof Provider other && settings.equals(other.settings)
                    && Objects.equals(subject, other.subject);
        }

        @Override
        public int hashCode() {
            return Objects.hash(settings, subject);
        }

        @Override
        public String toString() {
            return "ConfluentSchemaCoder.Provider[" + settings + ", subject=" + subject + "]";
        }
    }
}
