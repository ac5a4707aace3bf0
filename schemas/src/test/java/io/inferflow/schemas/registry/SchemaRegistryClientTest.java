package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
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
    void unreachableRegistryIsASchemaRegistryExceptionWithoutStatus() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        SchemaRegistryClient client = new SchemaRegistryClient("http://127.0.0.1:" + port);
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.getById(1));
        assertEquals(-1, e.httpStatus());
        assertEquals(-1, e.errorCode());
        assertTrue(e.getMessage().contains("http://127.0.0.1:" + port + "/schemas/ids/1"),
                e.getMessage());
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
    }
}
