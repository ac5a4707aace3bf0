package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientTest extends SchemaRegistryClientContract {

    private LocalSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = LocalSchemaRegistry.start("localhost", 0);
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Override
    String registryUrl() {
        return registry.url();
    }

    @Test
    void answersFromCacheAfterTheRegistryIsGone() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url() + "/");
        int id = client.register(subject, V1);
        SchemaRegistryClient reader = newClient();
        reader.getById(id);
        long requests = registry.requestCount();

        assertEquals(V1, reader.getById(id));
        assertEquals(id, client.register(subject, V1));
        assertEquals(requests, registry.requestCount());

        registry.close();
        assertEquals(V1, reader.getById(id));
    }

    @Test
    void sameSchemaInTwoSubjectsHasOneGlobalId() throws Exception {
        SchemaRegistryClient client = newClient();
        assertEquals(client.register(subject, V1), client.register("other-" + subject, V1));
    }

    @Test
    void unreachableRegistryIsRetriedThenASchemaRegistryExceptionWithoutStatus()
            throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        SchemaRegistryClient client = new SchemaRegistryClient("http://127.0.0.1:" + port);
        long start = System.nanoTime();
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.getById(1));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(-1, e.httpStatus());
        assertEquals(SchemaRegistryException.UNREACHABLE, e.errorCode());
        assertTrue(e.getMessage().contains("http://127.0.0.1:" + port + "/schemas/ids/1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("cannot be reached (4 attempts)"), e.getMessage());
        // Backoff 250 + 500 + 1000 ms; not asserted strictly, but it did wait.
        assertTrue(millis >= 250, "gave up after " + millis + " ms");
        assertTrue(millis < 30_000, "took " + millis + " ms");
    }

    @Test
    void serverErrorsAreRetriedAndClientErrorsAreNot() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger(2);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            int status;
            String body;
            if (path.equals("/schemas/ids/1") && failures.getAndDecrement() > 0) {
                status = 503;
                body = "{\"error_code\":50301,\"message\":\"leader not elected\"}";
            } else if (path.equals("/schemas/ids/1")) {
                status = 200;
                body = "{\"schema\":" + new ObjectMapper().writeValueAsString(V1.toString())
                        + "}";
            } else if (path.equals("/schemas/ids/2")) {
                status = 500;
                body = "{\"error_code\":50001,\"message\":\"store down\"}";
            } else {
                status = 404;
                body = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            SchemaRegistryClient client =
                    new SchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort());
            assertEquals(V1, client.getById(1));
            assertEquals(3, requests.get(), "two 503s, then the answer");

            requests.set(0);
            SchemaRegistryException down =
                    assertThrows(SchemaRegistryException.class, () -> client.getById(2));
            assertEquals(500, down.httpStatus());
            assertEquals(50001, down.errorCode());
            assertEquals(4, requests.get(), "a 5xx is tried 4 times in all");

            requests.set(0);
            SchemaRegistryException unknown =
                    assertThrows(SchemaRegistryException.class, () -> client.getById(3));
            assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, unknown.errorCode());
            assertEquals(1, requests.get(), "a 4xx is not retried");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void redirectsAreNotFollowedWithCredentials() throws Exception {
        AtomicInteger redirected = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            redirected.incrementAndGet();
            exchange.getResponseHeaders().set("Location", registry.url()
                    + exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            int id = newClient().register(subject, V1);
            assertEquals(V1, new SchemaRegistryClient(url).getById(id));
            SchemaRegistryClient withCredentials = new SchemaRegistryClient(
                    RegistrySettings.fromProperties(url,
                            java.util.Map.of("basic.auth.user.info", "alice:secret")));
            SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> withCredentials.getById(id));
            assertEquals(307, e.httpStatus());
            assertTrue(e.getMessage().contains("redirected (HTTP 307) to " + registry.url()
                    + "/schemas/ids/" + id + "; redirects are not followed when credentials"
                    + " are configured"), e.getMessage());
            assertEquals(2, redirected.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aWrongBasePathIsNotAnUnknownSchemaId() throws Exception {
        int id = newClient().register(subject, V1);
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient(registry.url() + "/apis/ccompat/v7").getById(id));
        assertEquals(404, e.httpStatus());
        assertEquals(404, e.errorCode());
    }

    @Test
    void rejectsMalformedUrlsNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SchemaRegistryClient("localhost:8085"));
        assertEquals("schema registry URL 'localhost:8085' is not an http(s)://host[:port][/path]"
                + " URL", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SchemaRegistryClient(" "));
        assertEquals("http://h:1/api", new SchemaRegistryClient("http://h:1/api//").baseUrl());
        assertEquals("https://h:1/api",
                new SchemaRegistryClient("https://user:secret@h:1/api").baseUrl());
    }
}
