package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.tls.LocalCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing, validation and masking of {@link RegistrySettings}; no registry needed. */
class RegistrySettingsTest {

    static final String URL = "https://127.0.0.1:8085";
    static final String SECRET = "Pa55-w0rd-never-printed";
    static final String FILE_PROVIDER =
            "org.apache.kafka.common.config.provider.FileConfigProvider";
    static final String ENV_PROVIDER =
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

    @TempDir
    static Path dir;
    static LocalCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = LocalCertificates.create(dir.resolve("certs"));
    }

    @Test
    void aPlainUrlHasNoAuthentication() {
        RegistrySettings settings = RegistrySettings.of("http://localhost:8085/");
        assertEquals("http://localhost:8085", settings.url());
        assertEquals("RegistrySettings[url=http://localhost:8085, no authentication]",
                settings.toString());
        assertEquals(RegistrySettings.Credentials.Kind.NONE,
                settings.resolve().credentials().kind());
        assertNull(settings.resolve().sslContext());
    }

    @Test
    void schemaRegistryUrlOverridesTheArgumentAndOnlyTheFirstOfAListIsUsed() {
        RegistrySettings settings = RegistrySettings.fromProperties("http://ignored:1",
                Map.of("schema.registry.url", " https://a:8081/ , https://b:8081"));
        assertEquals("https://a:8081", settings.url());
        assertEquals("https://a:8081", RegistrySettings.fromProperties(null,
                Map.of("schema.registry.url", "https://a:8081")).url());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(null, Map.of()));
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"schema.registry.ssl.protocol", "schema.registry.ssl.keymanager.algorithm",
            "schema.registry.basic.auth.credentials.source", "schema.registry.urls",
            "basic.auth.user", "bearer.auth.logical.cluster", "bearer.auth.identity.pool.id",
            "bearer.auth.client.id", "bearer.auth.issuer.endpoint.url"})
    void refusesUnknownKeysWithItsPrefixesNamingThemAndTheSupportedOnes(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(key, "x")));
        assertTrue(e.getMessage().startsWith("unsupported schema registry setting " + key + ":"),
                e.getMessage());
        for (String supported : RegistrySettings.SUPPORTED_KEYS) {
            assertTrue(e.getMessage().contains(supported), supported + " in " + e.getMessage());
        }
    }

    @Test
    void ignoresTheKafkaClientsOwnKeys() {
        RegistrySettings settings = RegistrySettings.fromProperties(URL, Map.of(
                "bootstrap.servers", "localhost:9092", "security.protocol", "SASL_SSL",
                "ssl.truststore.location", "/does/not/exist", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "garbage", "auto.register.schemas", "false"));
        assertEquals(RegistrySettings.of(URL), settings);
        assertEquals(RegistrySettings.Credentials.Kind.NONE,
                settings.resolve().credentials().kind());
    }

    @Test
    void userInfoAndItsAlias() {
        RegistrySettings plain = RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.credentials.source", "USER_INFO",
                        "basic.auth.user.info", "alice:" + SECRET));
        assertBasic(plain, "alice", SECRET);
        assertBasic(RegistrySettings.fromProperties(URL,
                Map.of("schema.registry.basic.auth.user.info", "alice:" + SECRET)),
                "alice", SECRET);
        assertBasic(RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "alice:" + SECRET,
                        "schema.registry.basic.auth.user.info", "alice:" + SECRET)),
                "alice", SECRET);
        // The password may contain ':'; the user name ends at the first.
        assertBasic(RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "alice:a:b")), "alice", "a:b");

        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.user.info", "alice:" + SECRET,
                                "schema.registry.basic.auth.user.info", "bob:" + SECRET)));
        assertTrue(both.getMessage().contains("basic.auth.user.info and"
                + " schema.registry.basic.auth.user.info are both set"), both.getMessage());
        assertNoSecret(both);
    }

    @Test
    void userInfoWithoutColonIsRefusedNamingTheKeyNotTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.user.info", SECRET)));
        assertEquals("basic.auth.user.info must be user:password, but has no ':'",
                e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.credentials.source", "USER_INFO")));
        assertTrue(missing.getMessage().contains("basic.auth.user.info"), missing.getMessage());
        IllegalArgumentException source = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.credentials.source", "LDAP")));
        assertTrue(source.getMessage().startsWith("basic.auth.credentials.source='LDAP' is not"
                + " supported: use USER_INFO"), source.getMessage());
    }

    @Test
    void urlCredentialsSourceTakesTheUserInfoOfTheUrl() {
        String withUserInfo = "https://alice:" + SECRET + "%40x@127.0.0.1:8085/api";
        RegistrySettings settings = RegistrySettings.fromProperties(withUserInfo,
                Map.of("basic.auth.credentials.source", "URL"));
        assertEquals("https://127.0.0.1:8085/api", settings.url());
        assertBasic(settings, "alice", SECRET + "@x");
        assertFalse(settings.toString().contains(SECRET), settings.toString());
        // URL is Confluent's default source: user info in the URL is used without the key.
        assertBasic(RegistrySettings.of(withUserInfo), "alice", SECRET + "@x");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.credentials.source", "URL")));
        assertTrue(e.getMessage().contains("schema.registry.url has no user info"),
                e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.of("https://alice:" + SECRET + "@host:1/x?y"));
        assertNoSecret(bad);
        assertTrue(bad.getMessage().contains("'https://host:1/x?y'"), bad.getMessage());
    }

    @Test
    void saslInheritTakesTheScramOrPlainLoginOfTheKafkaClient() {
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"alice\" password=\"" + SECRET + "\";";
        RegistrySettings settings = RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.credentials.source", "SASL_INHERIT",
                        "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", scram));
        assertBasic(settings, "alice", SECRET);
        assertEquals("RegistrySettings[url=" + URL + ", basic auth as 'alice'"
                + " (sasl.jaas.config)]", settings.toString());
        assertBasic(RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.credentials.source", "SASL_INHERIT", "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=bob password=" + SECRET + ";")), "bob", SECRET);

        IllegalArgumentException oauth = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "basic.auth.credentials.source", "SASL_INHERIT", "sasl.jaas.config",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
                                + " required clientSecret=\"" + SECRET + "\";")));
        assertTrue(oauth.getMessage().contains("OAuthBearerLoginModule"), oauth.getMessage());
        assertNoSecret(oauth);
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "basic.auth.credentials.source", "SASL_INHERIT",
                        "sasl.jaas.config", "Module " + SECRET + " password=x;")));
        assertTrue(broken.getMessage().startsWith("sasl.jaas.config is not a valid JAAS"),
                broken.getMessage());
        assertNoSecret(broken);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("basic.auth.credentials.source", "SASL_INHERIT")));
        assertTrue(missing.getMessage().contains("sasl.jaas.config is not set"),
                missing.getMessage());
    }

    @Test
    void theKafkaJaasConfigIsKeptOnlyForSaslInherit() throws Exception {
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"alice\" password=\"" + SECRET + "\";";
        RegistrySettings settings = RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "bob:x", "sasl.jaas.config", scram));
        assertFalse(new String(serialize(settings), StandardCharsets.ISO_8859_1).contains(SECRET));
    }

    @Test
    void bearerToken() {
        RegistrySettings settings = RegistrySettings.fromProperties(URL,
                Map.of("bearer.auth.credentials.source", "STATIC_TOKEN",
                        "bearer.auth.token", SECRET));
        RegistrySettings.Credentials credentials = settings.resolve().credentials();
        assertEquals(RegistrySettings.Credentials.Kind.BEARER, credentials.kind());
        assertEquals("Bearer " + SECRET, credentials.authorization());
        assertEquals("RegistrySettings[url=" + URL + ", bearer token (bearer.auth.token)]",
                settings.toString());
        assertEquals(settings, RegistrySettings.fromProperties(URL,
                Map.of("bearer.auth.credentials.source", "STATIC_TOKEN",
                        "bearer.auth.token", SECRET)));
        // STATIC_TOKEN is the default source with a token.
        assertEquals("Bearer " + SECRET, RegistrySettings.fromProperties(URL,
                Map.of("bearer.auth.token", SECRET)).resolve().credentials().authorization());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("bearer.auth.credentials.source", "STATIC_TOKEN")));
        assertEquals("bearer.auth.credentials.source is STATIC_TOKEN but bearer.auth.token is"
                + " not set", missing.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"OAUTHBEARER", "SASL_OAUTHBEARER_INHERIT", "CUSTOM"})
    void otherBearerSourcesAreRefusedSayingWhatIsSupported(String source) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "bearer.auth.credentials.source", source,
                        "bearer.auth.client.id", "me", "bearer.auth.client.secret", SECRET,
                        "bearer.auth.issuer.endpoint.url", "https://idp/token")));
        assertTrue(e.getMessage().startsWith("bearer.auth.credentials.source='" + source
                + "' is not supported: only STATIC_TOKEN is (the token in bearer.auth.token)"),
                e.getMessage());
        assertNoSecret(e);
    }

    @Test
    void basicAndBearerTogetherAreRefusedNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "basic.auth.user.info", "alice:" + SECRET,
                        "bearer.auth.token", SECRET)));
        assertEquals("both basic authentication (basic.auth.user.info) and bearer"
                + " authentication (bearer.auth.token) are configured for the schema registry:"
                + " configure one of them", e.getMessage());
        IllegalArgumentException url = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties("https://alice:" + SECRET + "@h:1",
                        Map.of("bearer.auth.credentials.source", "STATIC_TOKEN",
                                "bearer.auth.token", SECRET)));
        assertTrue(url.getMessage().contains("the user info in schema.registry.url"),
                url.getMessage());
        assertTrue(url.getMessage().contains("bearer.auth.credentials.source, bearer.auth.token"),
                url.getMessage());
        assertNoSecret(url);
    }

    @Test
    void storesAreCheckedNamingKeyAndPath() {
        Path missing = dir.resolve("nope.p12");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("schema.registry.ssl.truststore.location", missing.toString())));
        assertEquals("schema.registry.ssl.truststore.location: file " + missing
                + " does not exist", e.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL,
                        Map.of("schema.registry.ssl.keystore.location", missing.toString())));
        assertTrue(key.getMessage().startsWith("schema.registry.ssl.keystore.location: file "
                + missing), key.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.truststore.location", certs.caPem().toString(),
                        "schema.registry.ssl.truststore.type", "BKS")));
        assertEquals("schema.registry.ssl.truststore.type='BKS' is not supported: use one of"
                + " [JKS, PKCS12, PEM]", type.getMessage());
        // PEM given as the default type (JKS): a hint instead of "Invalid keystore format".
        IllegalArgumentException pem = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.truststore.location", certs.caPem().toString())));
        assertTrue(pem.getMessage().endsWith("set schema.registry.ssl.truststore.type=PEM"),
                pem.getMessage());
        IllegalArgumentException password = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.keystore.location", certs.clientP12().toString(),
                        "schema.registry.ssl.keystore.type", "PKCS12",
                        "schema.registry.ssl.keystore.password", SECRET)));
        assertTrue(password.getMessage().contains("schema.registry.ssl.keystore.password"),
                password.getMessage());
        assertNoSecret(password);
        IllegalArgumentException algorithm = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.endpoint.identification.algorithm", "ldaps")));
        assertTrue(algorithm.getMessage().startsWith("schema.registry.ssl.endpoint"
                + ".identification.algorithm='ldaps' is not supported"), algorithm.getMessage());
    }

    @Test
    void everyStoreTypeLoads() {
        for (Map<String, String> tls : java.util.List.of(
                tls(certs, certs.truststoreP12(), "PKCS12", certs.clientP12(), "PKCS12"),
                tls(certs, certs.truststoreJks(), "JKS", certs.clientJks(), "JKS"),
                tls(certs, certs.caPem(), "PEM", certs.clientPem(), "PEM"))) {
            RegistrySettings settings = RegistrySettings.fromProperties(URL, tls);
            assertTrue(settings.resolve().sslContext() != null, settings.toString());
            assertFalse(settings.toString().contains(certs.password()), settings.toString());
        }
        // The default type, JKS, also reads PKCS12 files (the JDK's keystore.type.compat).
        RegistrySettings.fromProperties(URL, Map.of(
                "schema.registry.ssl.truststore.location", certs.truststoreP12().toString(),
                "schema.registry.ssl.truststore.password", certs.password()));
    }

    @Test
    void aPemKeyStoreWithoutKeyOrWithAnRsaKeyIsRefused() throws Exception {
        Path certOnly = dir.resolve("cert-only.pem");
        Files.copy(certs.clientCertPem(), certOnly, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.keystore.location", certOnly.toString(),
                        "schema.registry.ssl.keystore.type", "PEM")));
        assertTrue(e.getMessage().contains("holds no -----BEGIN PRIVATE KEY----- block"),
                e.getMessage());
        Path pkcs1 = dir.resolve("pkcs1.pem");
        Files.writeString(pkcs1, Files.readString(certs.clientPem())
                .replace("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY")
                .replace("END PRIVATE KEY", "END RSA PRIVATE KEY"));
        IllegalArgumentException rsa = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, Map.of(
                        "schema.registry.ssl.keystore.location", pkcs1.toString(),
                        "schema.registry.ssl.keystore.type", "pem")));
        assertTrue(rsa.getMessage().contains("holds a 'RSA PRIVATE KEY'; a PEM key store needs"
                + " an unencrypted PKCS#8"), rsa.getMessage());
    }

    @Test
    void disablingHostnameVerificationIsShown() {
        RegistrySettings settings = RegistrySettings.fromProperties(URL,
                Map.of("schema.registry.ssl.endpoint.identification.algorithm", ""));
        assertFalse(settings.resolve().verifyHostname());
        assertTrue(settings.toString().endsWith(", hostname verification OFF]"),
                settings.toString());
        assertTrue(RegistrySettings.fromProperties(URL,
                Map.of("schema.registry.ssl.endpoint.identification.algorithm", "HTTPS"))
                .resolve().verifyHostname());
    }

    @Test
    void fileConfigProviderReferencesAreResolvedButNotKept() throws Exception {
        Path secrets = dir.resolve("registry.properties");
        Files.writeString(secrets, "password=" + SECRET + "\nuser.info=bob:" + SECRET + "\n"
                + "store.password=" + certs.password() + "\n");
        Map<String, String> props = new HashMap<>(fileProvider());
        props.put("basic.auth.user.info", "alice:${file:" + secrets + ":password}");
        props.put("schema.registry.ssl.truststore.location", certs.truststoreP12().toString());
        props.put("schema.registry.ssl.truststore.type", "PKCS12");
        props.put("schema.registry.ssl.truststore.password",
                "${file:" + secrets + ":store.password}");
        RegistrySettings settings = RegistrySettings.fromProperties(URL, props);
        assertBasic(settings, "alice", SECRET);
        assertTrue(settings.toString().contains("basic auth as 'alice'"), settings.toString());

        byte[] bytes = serialize(settings);
        String serialized = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(serialized.contains(SECRET), "the secret is in the serialized settings");
        assertFalse(serialized.contains(certs.password()), "the store password is serialized");
        assertTrue(serialized.contains("${file:"), "the reference is kept");
        RegistrySettings copy = deserialize(bytes);
        assertEquals(settings, copy);
        assertEquals(settings.hashCode(), copy.hashCode());
        assertBasic(copy, "alice", SECRET);

        Map<String, String> whole = new HashMap<>(fileProvider());
        whole.put("basic.auth.user.info", "${file:" + secrets + ":user.info}");
        assertBasic(RegistrySettings.fromProperties(URL, whole), "bob", SECRET);
    }

    @Test
    void anUnresolvableReferenceIsRefusedNamingTheKey() {
        Map<String, String> props = new HashMap<>(fileProvider());
        props.put("basic.auth.user.info", "alice:${file:" + dir.resolve("none.properties")
                + ":password}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, props));
        assertTrue(e.getMessage().startsWith("cannot resolve the config provider reference in"
                + " basic.auth.user.info"), e.getMessage());
        assertTrue(e.getMessage().contains("none.properties"), e.getMessage());

        Map<String, String> env = new HashMap<>(envProvider());
        env.put("bearer.auth.token", "${env:INFERFLOW_SURELY_NOT_SET_42}");
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, env));
        assertTrue(unset.getMessage().startsWith("bearer.auth.token refers to"
                + " ${env:INFERFLOW_SURELY_NOT_SET_42}, which config.providers=env did not"
                + " resolve"), unset.getMessage());

        Map<String, String> alias = new HashMap<>(envProvider());
        alias.put("bearer.auth.token", "${vault:secret/registry:token}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, alias));
        assertTrue(unknown.getMessage().contains("provider alias 'vault'"), unknown.getMessage());
    }

    @Test
    void envVarConfigProviderReferencesAreResolved() {
        String home = System.getenv("HOME");
        String path = System.getenv("PATH");
        Map<String, String> props = new HashMap<>(envProvider());
        props.put("bearer.auth.token", "${env:PATH}");
        assertEquals("Bearer " + path.strip(),
                RegistrySettings.fromProperties(URL, props).resolve().credentials()
                        .authorization());
        props.remove("bearer.auth.token");
        // HOME is a directory, not a store: the error shows the reference was resolved.
        props.put("schema.registry.ssl.truststore.location", "${env:HOME}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, props));
        assertEquals("schema.registry.ssl.truststore.location: " + Path.of(home)
                + " is not a readable file", e.getMessage());
        // Without config.providers a reference is a plain value.
        assertBasic(RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "alice:${env:HOME}")), "alice", "${env:HOME}");
    }

    @Test
    void toStringAndMessagesNeverHoldSecrets() {
        Map<String, String> props = new HashMap<>();
        props.put("basic.auth.user.info", "alice:" + SECRET);
        props.putAll(tls(certs, certs.truststoreP12(), "PKCS12", certs.clientP12(), "PKCS12"));
        props.put("schema.registry.ssl.key.password", certs.password());
        RegistrySettings settings = RegistrySettings.fromProperties(URL, props);
        String text = settings.toString();
        assertEquals("RegistrySettings[url=" + URL + ", basic auth as 'alice'"
                + " (basic.auth.user.info), truststore=" + certs.truststoreP12() + " (PKCS12),"
                + " keystore=" + certs.clientP12() + " (PKCS12)]", text);
        assertFalse(text.contains(SECRET));
        assertFalse(text.contains(certs.password()));
        assertFalse(settings.resolve().toString().contains(SECRET));
        assertFalse(settings.resolve().credentials().toString().contains(SECRET));

        props.put("schema.registry.ssl.key.password", SECRET);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.fromProperties(URL, props));
        assertNoSecret(e);
        assertTrue(e.getMessage().contains("schema.registry.ssl.key.password"), e.getMessage());
    }

    @Test
    void equalityIsByUrlAndProperties() {
        assertEquals(RegistrySettings.of(URL), RegistrySettings.of(URL));
        assertEquals(RegistrySettings.of(URL).hashCode(), RegistrySettings.of(URL).hashCode());
        assertNotEquals(RegistrySettings.of(URL), RegistrySettings.of("https://127.0.0.1:8086"));
        assertNotEquals(RegistrySettings.of(URL), RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "alice:x")));
        assertNotEquals(RegistrySettings.fromProperties(URL, Map.of("basic.auth.user.info",
                "alice:x")), RegistrySettings.fromProperties(URL,
                Map.of("basic.auth.user.info", "alice:y")));
    }

    static Map<String, String> tls(LocalCertificates certs, Path truststore, String trustType,
            Path keystore, String keyType) {
        Map<String, String> props = new HashMap<>();
        props.put("schema.registry.ssl.truststore.location", truststore.toString());
        props.put("schema.registry.ssl.truststore.type", trustType);
        if (!trustType.equals("PEM")) {
            props.put("schema.registry.ssl.truststore.password", certs.password());
        }
        if (keystore != null) {
            props.put("schema.registry.ssl.keystore.location", keystore.toString());
            props.put("schema.registry.ssl.keystore.type", keyType);
            if (!keyType.equals("PEM")) {
                props.put("schema.registry.ssl.keystore.password", certs.password());
            }
        }
        return props;
    }

    static Map<String, String> fileProvider() {
        return Map.of("config.providers", "file", "config.providers.file.class", FILE_PROVIDER);
    }

    static Map<String, String> envProvider() {
        return Map.of("config.providers", "env", "config.providers.env.class", ENV_PROVIDER);
    }

    private static void assertBasic(RegistrySettings settings, String user, String password) {
        RegistrySettings.Credentials credentials = settings.resolve().credentials();
        assertEquals(RegistrySettings.Credentials.Kind.BASIC, credentials.kind());
        assertEquals(user, credentials.user());
        assertEquals("Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8)),
                credentials.authorization());
    }

    static void assertNoSecret(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(SECRET),
                    "secret in: " + t.getMessage());
        }
    }

    private static byte[] serialize(Object value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static RegistrySettings deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (RegistrySettings) in.readObject();
        }
    }
}
