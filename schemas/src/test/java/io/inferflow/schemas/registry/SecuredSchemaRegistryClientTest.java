package io.inferflow.schemas.registry;

import static io.inferflow.schemas.registry.RegistrySettingsTest.SECRET;
import static io.inferflow.schemas.registry.RegistrySettingsTest.assertNoSecret;
import static io.inferflow.schemas.registry.SchemaRegistryClientContract.V1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.tls.LocalCertificates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SchemaRegistryClient} against a {@link LocalSchemaRegistry} secured like a production
 * one: basic and bearer authentication over real HTTPS, with certificates from {@link
 * LocalCertificates}, and mutual TLS.
 */
class SecuredSchemaRegistryClientTest {

    private static final String SUBJECT = "things-value";

    @TempDir
    static Path dir;
    static LocalCertificates certs;

    private LocalSchemaRegistry registry;

    @BeforeAll
    static void certificates() throws Exception {
        certs = LocalCertificates.create(dir.resolve("certs"));
    }

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private LocalSchemaRegistry start(LocalRegistrySecurity security) throws Exception {
        registry = LocalSchemaRegistry.start("127.0.0.1", 0, security);
        return registry;
    }

    private static LocalRegistrySecurity basicOverTls() throws Exception {
        return LocalRegistrySecurity.none().withUser("alice", SECRET).withTls(certs);
    }

    private static Map<String, String> trustP12(String... more) {
        Map<String, String> props =
                new HashMap<>(RegistrySettingsTest.tls(certs, certs.truststoreP12(), "PKCS12", null, null));
        for (int i = 0; i < more.length; i += 2) {
            props.put(more[i], more[i + 1]);
        }
        return props;
    }

    private SchemaRegistryClient client(Map<String, String> props) {
        return new SchemaRegistryClient(RegistrySettings.fromProperties(registry.url(), props));
    }

    @Test
    void theRightUserRegistersAndFetchesOverHttps() throws Exception {
        start(basicOverTls());
        assertTrue(registry.url().startsWith("https://127.0.0.1:"), registry.url());
        SchemaRegistryClient client = client(trustP12("basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "alice:" + SECRET));
        int id = client.register(SUBJECT, V1);
        SchemaRegistryClient reader = client(trustP12("basic.auth.user.info", "alice:" + SECRET));
        assertEquals(V1, reader.getById(id));
        assertEquals(id, reader.latest(SUBJECT).id());
        assertEquals(registry.url(), reader.baseUrl());
    }

    @Test
    void everyTrustStoreTypeWorks() throws Exception {
        start(basicOverTls());
        int id = client(trustP12("basic.auth.user.info", "alice:" + SECRET)).register(SUBJECT, V1);
        for (Map<String, String> trust : java.util.List.of(
                RegistrySettingsTest.tls(certs, certs.truststoreJks(), "JKS", null, null),
                RegistrySettingsTest.tls(certs, certs.caPem(), "PEM", null, null))) {
            Map<String, String> props = new HashMap<>(trust);
            props.put("basic.auth.user.info", "alice:" + SECRET);
            assertEquals(V1, client(props).getById(id), trust.toString());
        }
    }

    @Test
    void aWrongPasswordIsRefusedNamingRegistryAndUserButNotThePassword() throws Exception {
        start(basicOverTls());
        long before = registry.requestCount();
        SchemaRegistryClient client =
                client(trustP12("basic.auth.user.info", "alice:" + SECRET + "-wrong"));
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.register(SUBJECT, V1));
        assertEquals("schema registry at " + registry.url() + " refused user 'alice' (HTTP 401"
                + " Unauthorized): check basic.auth.user.info", e.getMessage());
        assertEquals(401, e.httpStatus());
        assertEquals(SchemaRegistryException.UNAUTHORIZED, e.errorCode());
        assertNoSecret(e);
        assertEquals(before + 1, registry.requestCount(), "401 is not retried");

        SchemaRegistryClient alias = client(trustP12("schema.registry.basic.auth.user.info",
                "bob:" + SECRET));
        SchemaRegistryException aliasRefused =
                assertThrows(SchemaRegistryException.class, () -> alias.getById(1));
        assertTrue(aliasRefused.getMessage().endsWith("refused user 'bob' (HTTP 401"
                + " Unauthorized): check schema.registry.basic.auth.user.info"),
                aliasRefused.getMessage());
    }

    @Test
    void withoutCredentialsTheRegistryRequiresAuthentication() throws Exception {
        start(basicOverTls());
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client(trustP12()).subjects());
        assertEquals("schema registry at " + registry.url() + " requires authentication (HTTP"
                + " 401 Unauthorized) but no credentials are configured: set"
                + " basic.auth.credentials.source and basic.auth.user.info (or"
                + " bearer.auth.token)", e.getMessage());
        assertEquals(SchemaRegistryException.UNAUTHORIZED, e.errorCode());
    }

    @Test
    void aReadOnlyUserIsForbiddenToRegister() throws Exception {
        start(basicOverTls().withReadOnlyUser("reader", SECRET + "-r"));
        int id = client(trustP12("basic.auth.user.info", "alice:" + SECRET)).register(SUBJECT, V1);
        SchemaRegistryClient reader = client(trustP12("basic.auth.user.info",
                "reader:" + SECRET + "-r"));
        assertEquals(V1, reader.getById(id));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> reader.register("other-value", V1));
        assertEquals(403, e.httpStatus());
        assertEquals(SchemaRegistryException.FORBIDDEN, e.errorCode());
        assertTrue(e.getMessage().startsWith("schema registry at " + registry.url()
                + " denied user 'reader' access to subject 'other-value' (HTTP 403 Forbidden)"
                + " (the registry says: User reader is denied operation Write on"
                + " /subjects/other-value/versions)"), e.getMessage());
        assertNoSecret(e);
    }

    @Test
    void bearerTokenAcceptedAndWrongTokenRefused() throws Exception {
        start(LocalRegistrySecurity.none().withBearerToken(SECRET).withTls(certs));
        SchemaRegistryClient client = client(trustP12("bearer.auth.credentials.source",
                "STATIC_TOKEN", "bearer.auth.token", SECRET));
        int id = client.register(SUBJECT, V1);
        assertEquals(V1, client(trustP12("bearer.auth.token", SECRET)).getById(id));

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client(trustP12("bearer.auth.token", SECRET + "x")).getById(id + 1));
        assertEquals("schema registry at " + registry.url() + " refused the bearer token (HTTP"
                + " 401 Unauthorized): check bearer.auth.token (has the token expired?)",
                e.getMessage());
        assertEquals(SchemaRegistryException.UNAUTHORIZED, e.errorCode());
        assertNoSecret(e);
    }

    @Test
    void credentialsFromTheUrlAndFromConfigProviders() throws Exception {
        String home = System.getenv("HOME");
        start(basicOverTls().withUser("env-user", home));
        String port = String.valueOf(registry.port());
        SchemaRegistryClient fromUrl = client(trustP12("schema.registry.url",
                "https://alice:" + SECRET + "@127.0.0.1:" + port));
        assertEquals("https://127.0.0.1:" + port, fromUrl.baseUrl());
        int id = fromUrl.register(SUBJECT, V1);

        Map<String, String> env = trustP12("basic.auth.user.info", "env-user:${env:HOME}");
        env.putAll(RegistrySettingsTest.envProvider());
        assertEquals(V1, client(env).getById(id));

        Path secrets = dir.resolve("registry.properties");
        Files.writeString(secrets, "user.info=alice:" + SECRET + "\n");
        Map<String, String> file = trustP12("basic.auth.user.info",
                "${file:" + secrets + ":user.info}");
        file.putAll(RegistrySettingsTest.fileProvider());
        RegistrySettings settings = RegistrySettings.fromProperties(registry.url(), file);
        // Resolved again in the client: a changed secret file is read by the next client.
        Files.writeString(secrets, "user.info=alice:" + SECRET + "-rotated\n");
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient(settings).getById(id + 1));
        assertEquals(SchemaRegistryException.UNAUTHORIZED, e.errorCode());
        Files.writeString(secrets, "user.info=alice:" + SECRET + "\n");
        assertEquals(V1, new SchemaRegistryClient(settings).getById(id));
    }

    @Test
    void withoutATrustStoreTheUntrustedCertificateFailsFastSayingWhatToSet() throws Exception {
        start(basicOverTls());
        long start = System.nanoTime();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client(Map.of("basic.auth.user.info", "alice:" + SECRET)).getById(1));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5_000, "took " + millis + " ms");
        assertTrue(e.getMessage().startsWith("schema registry at " + registry.url() + ": the"
                + " registry's certificate is not trusted ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("): set schema.registry.ssl.truststore.location to a"
                + " trust store holding the CA that signed it"), e.getMessage());
        assertEquals(SchemaRegistryException.TLS_FAILED, e.errorCode());
        assertInstanceOf(SSLHandshakeException.class, e.getCause());
        assertNoSecret(e);
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessHostnameVerificationIsOff() throws Exception {
        // The certificate names localhost and 127.0.0.1; 127.0.0.2 is the same machine.
        registry = LocalSchemaRegistry.start("0.0.0.0", 0, basicOverTls());
        String other = "https://127.0.0.2:" + registry.port();
        org.junit.jupiter.api.Assumptions.assumeTrue(reachable("127.0.0.2", registry.port()),
                "127.0.0.2 is not routed to this machine");
        Map<String, String> props = trustP12("schema.registry.url", other,
                "basic.auth.user.info", "alice:" + SECRET);
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient(RegistrySettings.fromProperties(null, props))
                        .subjects());
        assertTrue(e.getMessage().startsWith("schema registry at " + other + ": the registry's"
                + " certificate is not issued for the host in its URL ("), e.getMessage());
        assertEquals(SchemaRegistryException.TLS_FAILED, e.errorCode());

        props.put("schema.registry.ssl.endpoint.identification.algorithm", "");
        assertEquals(java.util.List.of(),
                new SchemaRegistryClient(RegistrySettings.fromProperties(null, props))
                        .subjects());
        // The chain is still verified: without the CA it fails.
        Map<String, String> untrusted = Map.of("schema.registry.url", other,
                "basic.auth.user.info", "alice:" + SECRET,
                "schema.registry.ssl.endpoint.identification.algorithm", "");
        SchemaRegistryException notTrusted = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient(RegistrySettings.fromProperties(null, untrusted))
                        .subjects());
        assertTrue(notTrusted.getMessage().contains("certificate is not trusted"),
                notTrusted.getMessage());
    }

    @Test
    void mutualTlsWithAClientCertificateInPkcs12JksOrPem() throws Exception {
        start(basicOverTls().requireClientCertificate());
        int id = -1;
        for (Map<String, String> tls : java.util.List.of(
                RegistrySettingsTest.tls(certs, certs.truststoreP12(), "PKCS12", certs.clientP12(),
                        "PKCS12"),
                RegistrySettingsTest.tls(certs, certs.truststoreJks(), "JKS", certs.clientJks(), "JKS"),
                RegistrySettingsTest.tls(certs, certs.caPem(), "PEM", certs.clientPem(), "PEM"))) {
            Map<String, String> props = new HashMap<>(tls);
            props.put("basic.auth.user.info", "alice:" + SECRET);
            SchemaRegistryClient client = client(props);
            if (id < 0) {
                id = client.register(SUBJECT, V1);
            }
            assertEquals(V1, client.getById(id), tls.toString());
        }
    }

    @Test
    void mutualTlsWithoutAClientCertificateFailsSayingWhatToSet() throws Exception {
        start(basicOverTls().requireClientCertificate());
        long start = System.nanoTime();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client(trustP12("basic.auth.user.info", "alice:" + SECRET)).subjects());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5_000, "took " + millis + " ms");
        assertTrue(e.getMessage().startsWith("schema registry at " + registry.url() + ": the"
                + " registry requires a client certificate (mutual TLS)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("set schema.registry.ssl.keystore.location"),
                e.getMessage());
        assertEquals(SchemaRegistryException.TLS_FAILED, e.errorCode());
    }

    @Test
    void aClientCertificateTheRegistryDoesNotTrustIsRefused() throws Exception {
        LocalCertificates strangers = LocalCertificates.create(dir.resolve("strangers"));
        start(basicOverTls().requireClientCertificate());
        Map<String, String> props = trustP12("basic.auth.user.info", "alice:" + SECRET,
                "schema.registry.ssl.keystore.location", strangers.clientPem().toString(),
                "schema.registry.ssl.keystore.type", "PEM");
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> client(props).subjects());
        assertTrue(e.getMessage().startsWith("schema registry at " + registry.url() + ": the"
                + " registry refused the client certificate in " + strangers.clientPem()),
                e.getMessage());
        assertEquals(SchemaRegistryException.TLS_FAILED, e.errorCode());
    }

    private static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
