package io.inferflow.operators.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.registry.LocalRegistrySecurity;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryException;
import io.inferflow.schemas.tls.LocalCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serde with {@link RegistrySettings}: records round-trip through a registry that wants
 * basic authentication over HTTPS and a client certificate, with the password given as a
 * config-provider reference that never ends up in the serialized functions.
 */
class SecuredRegistrySerdeTest {

    private static final String SECRET = "serde-Secret-never-serialized";

    @TempDir
    static Path dir;
    static LocalCertificates certs;
    static LocalSchemaRegistry registry;
    static Path secrets;

    @BeforeAll
    static void start() throws Exception {
        certs = LocalCertificates.create(dir.resolve("certs"));
        registry = LocalSchemaRegistry.start("localhost", 0, LocalRegistrySecurity.none()
                .withUser("flink", SECRET).withTls(certs).requireClientCertificate());
        secrets = dir.resolve("registry.properties");
        Files.writeString(secrets, "password=" + SECRET + "\n");
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    /** What a Flink job would be given: its Kafka client.properties. */
    private static Map<String, String> clientProperties(String password) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", "localhost:9093");
        props.put("security.protocol", "SSL");
        props.put("schema.registry.url", registry.url());
        props.put("basic.auth.credentials.source", "USER_INFO");
        props.put("basic.auth.user.info", "flink:" + password);
        props.put("schema.registry.ssl.truststore.location", certs.caPem().toString());
        props.put("schema.registry.ssl.truststore.type", "PEM");
        props.put("schema.registry.ssl.keystore.location", certs.clientPem().toString());
        props.put("schema.registry.ssl.keystore.type", "PEM");
        props.put("config.providers", "file");
        props.put("config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider");
        return props;
    }

    private static RegistrySettings settings() {
        return RegistrySettings.fromProperties(null,
                clientProperties("${file:" + secrets + ":password}"));
    }

    @Test
    void recordsRoundTripThroughAnAuthenticatedHttpsRegistry() throws Exception {
        FeatureEvent event = ConfluentAvroSchemasTest.event(7);
        byte[] value = InstantiationUtil.clone(
                ConfluentAvroSchemas.serializer(FeatureEvent.class, settings(), "features"))
                .serialize(event);

        ConfluentFeatureEventDecoder original = new ConfluentFeatureEventDecoder(settings());
        byte[] serialized = InstantiationUtil.serializeObject(original);
        assertFalse(new String(serialized, StandardCharsets.ISO_8859_1).contains(SECRET),
                "the password is in the serialized decoder");
        ConfluentFeatureEventDecoder decoder = InstantiationUtil.deserializeObject(serialized,
                getClass().getClassLoader());
        decoder.open();
        assertEquals(event, decoder.decode(value));

        ConfluentDecoder<FeatureEvent> generic = InstantiationUtil.clone(
                new ConfluentDecoder<>(FeatureEvent.class, settings()));
        assertEquals(event, generic.decode(value));

        DeserializationSchema<FeatureEvent> deserializer = InstantiationUtil.clone(
                ConfluentAvroSchemas.deserializer(FeatureEvent.class, settings()));
        assertEquals(event, deserializer.deserialize(value));
    }

    @Test
    void refusedCredentialsAreNotTheRecordsFault() throws Exception {
        byte[] value = ConfluentAvroSchemas.serializer(FeatureEvent.class, settings(), "features")
                .serialize(ConfluentAvroSchemasTest.event(1));
        ConfluentFeatureEventDecoder wrong = new ConfluentFeatureEventDecoder(
                RegistrySettings.fromProperties(null, clientProperties(SECRET + "-old")));
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> wrong.decode(value));
        assertEquals(SchemaRegistryException.UNAUTHORIZED, e.errorCode());
        assertTrue(e.getMessage().contains("refused user 'flink'"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void providersAreEqualBySettingsAndSubject() throws Exception {
        ConfluentSchemaCoder.Provider provider =
                ConfluentSchemaCoder.provider(settings(), "features-value");
        assertEquals(provider, ConfluentSchemaCoder.provider(settings(), "features-value"));
        assertEquals(provider.hashCode(),
                ConfluentSchemaCoder.provider(settings(), "features-value").hashCode());
        assertEquals(provider, InstantiationUtil.clone(provider));
        assertNotEquals(provider, ConfluentSchemaCoder.provider(settings(), "other-value"));
        assertNotEquals(provider, ConfluentSchemaCoder.provider(registry.url(), "features-value"));
        assertEquals(ConfluentSchemaCoder.provider(registry.url(), null),
                ConfluentSchemaCoder.provider(RegistrySettings.of(registry.url()), null));
        assertEquals(registry.url(), provider.registryUrl());
        assertFalse(provider.toString().contains(SECRET), provider.toString());
        assertInstanceOf(ConfluentSchemaCoder.class, InstantiationUtil.clone(provider).get());
    }
}
