package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.tls.LocalCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalSchemaRegistry} secured with {@link LocalRegistrySecurity}, seen over raw HTTP. */
class LocalSchemaRegistrySecurityTest {

    private static final String SCHEMA_BODY = "{\"schema\":\"{\\\"type\\\":\\\"record\\\","
            + "\\\"name\\\":\\\"T\\\",\\\"fields\\\":[]}\"}";

    @TempDir
    static Path dir;
    static LocalCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = LocalCertificates.create(dir);
    }

    @Test
    void withoutCredentialsTheAnswerIs401WithAChallengeAndAConfluentBody() throws Exception {
        LocalRegistrySecurity security = LocalRegistrySecurity.none()
                .withUser("alice", "alice-secret").withReadOnlyUser("reader", "reader-secret")
                .withBearerToken("token-1");
        assertEquals("LocalRegistrySecurity[users=[alice, reader], readOnly=[reader],"
                + " bearerTokens=1, tls=false, clientCertificate=no]", security.toString());
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0, security)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String authorization : new String[] {null, basic("alice", "wrong"),
                    basic("mallory", "alice-secret"), "Bearer token-2", "Basic !!!", "token-1"}) {
                HttpResponse<String> answer = get(http, registry.url() + "/subjects",
                        authorization);
                assertEquals(401, answer.statusCode(), String.valueOf(authorization));
                assertEquals(List.of("Basic realm=\"inferflow\""),
                        answer.headers().allValues("WWW-Authenticate"));
                assertEquals("{\"error_code\":401,\"message\":\"Unauthorized\"}", answer.body());
            }
            assertEquals(200, get(http, registry.url() + "/subjects",
                    basic("alice", "alice-secret")).statusCode());
            assertEquals(200, get(http, registry.url() + "/subjects", "Bearer token-1")
                    .statusCode());
            assertEquals(200, get(http, registry.url() + "/subjects",
                    basic("reader", "reader-secret")).statusCode());

            HttpResponse<String> write = post(http, registry.url() + "/subjects/s-value/versions",
                    basic("reader", "reader-secret"));
            assertEquals(403, write.statusCode());
            assertTrue(write.body().contains("\"error_code\":40301"), write.body());
            assertEquals(200, post(http, registry.url() + "/subjects/s-value/versions",
                    basic("alice", "alice-secret")).statusCode());
            // Looking a schema up is a read.
            assertEquals(200, post(http, registry.url() + "/subjects/s-value",
                    basic("reader", "reader-secret")).statusCode());
        }
    }

    @Test
    void servesHttpsWithTheLocalCertificates() throws Exception {
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("localhost", 0,
                LocalRegistrySecurity.none().withTls(certs))) {
            assertEquals("https://localhost:" + registry.port(), registry.url());
            HttpClient http = HttpClient.newBuilder().sslContext(trusting()).build();
            assertEquals("[]", get(http, registry.url() + "/subjects", null).body());
            // A client that does not trust the CA cannot connect.
            assertThrows(javax.net.ssl.SSLHandshakeException.class, () ->
                    get(HttpClient.newHttpClient(), registry.url() + "/subjects", null));
        }
    }

    @Test
    void aClientCertificateRequiresTls() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalSchemaRegistry.start("localhost", 0,
                        LocalRegistrySecurity.none().requireClientCertificate()));
        assertTrue(e.getMessage().startsWith("a client certificate can only be required with"
                + " TLS"), e.getMessage());
        assertFalse(LocalRegistrySecurity.none().withUser("u", "secret").toString()
                .contains("secret"));
    }

    private static SSLContext trusting() throws Exception {
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(certs.load(certs.truststoreP12()));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(HttpClient http, String url, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, String url, String authorization)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", authorization)
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(SCHEMA_BODY)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
