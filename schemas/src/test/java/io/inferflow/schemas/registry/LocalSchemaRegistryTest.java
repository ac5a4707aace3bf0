package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalSchemaRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V1 = SchemaRegistryClientContract.V1.toString();
    private static final String V2 = SchemaRegistryClientContract.V2.toString();
    private static final String BROKEN = SchemaRegistryClientContract.BROKEN.toString();

    private final HttpClient http = HttpClient.newHttpClient();
    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = LocalSchemaRegistry.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void registersIdempotentlyWithGlobalIds() throws Exception {
        int id = call("POST", "/subjects/a-value/versions", body(V1)).json.get("id").asInt();
        assertEquals(id, call("POST", "/subjects/a-value/versions", body(V1)).json.get("id")
                .asInt());
        assertEquals(id, call("POST", "/subjects/b-value/versions", body(V1)).json.get("id")
                .asInt());
        assertEquals("[1]", call("GET", "/subjects/a-value/versions", null).text);
        assertEquals("[\"a-value\",\"b-value\"]", call("GET", "/subjects", null).text);
    }

    @Test
    void servesSchemasByIdAndByVersion() throws Exception {
        call("POST", "/subjects/a-value/versions", body(V1));
        int id = call("POST", "/subjects/a-value/versions", body(V2)).json.get("id").asInt();

        assertEquals(V2, call("GET", "/schemas/ids/" + id, null).json.get("schema").asText());
        assertEquals(V2, call("GET", "/schemas/ids/" + id + "/schema", null).text);
        assertEquals(V2, call("GET", "/subjects/a-value/versions/latest/schema", null).text);
        JsonNode version = call("GET", "/subjects/a-value/versions/1", null).json;
        assertEquals("a-value", version.get("subject").asText());
        assertEquals(1, version.get("version").asInt());
        assertEquals(V1, version.get("schema").asText());
        assertEquals("[\"AVRO\"]", call("GET", "/schemas/types", null).text);
    }

    @Test
    void looksUpASchemaUnderASubject() throws Exception {
        call("POST", "/subjects/a-value/versions", body(V1));
        JsonNode found = call("POST", "/subjects/a-value", body(V1)).json;
        assertEquals(1, found.get("version").asInt());
        assertEquals(V1, found.get("schema").asText());

        assertError(404, 40403, call("POST", "/subjects/a-value", body(V2)));
        assertError(404, 40401, call("POST", "/subjects/nothing", body(V1)));
    }

    @Test
    void answersConfluentErrorCodes() throws Exception {
        call("POST", "/subjects/a-value/versions", body(V1));
        assertError(409, 409, call("POST", "/subjects/a-value/versions", body(BROKEN)));
        assertError(422, 42201, call("POST", "/subjects/a-value/versions", body("{\"type\":1}")));
        assertError(422, 42206, call("POST", "/subjects/a-value/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
        assertError(404, 40403, call("GET", "/schemas/ids/99", null));
        assertError(404, 40402, call("GET", "/subjects/a-value/versions/7", null));
        assertError(422, 42202, call("GET", "/subjects/a-value/versions/first", null));
        assertError(404, 40401, call("GET", "/subjects/nothing/versions", null));
        assertError(404, 404, call("GET", "/no/such/route", null));
        assertError(405, 405, call("PUT", "/subjects", "{}"));
        assertError(400, 400, call("POST", "/subjects/a-value/versions", "not json"));
    }

    @Test
    void rejectsUnknownContentTypes() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(registry.url() + "/subjects/a-value/versions"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body(V1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(415, response.statusCode());
        for (String type : new String[] {"application/json", "application/vnd.schemaregistry+json",
                "application/vnd.schemaregistry.v1+json; charset=utf-8"}) {
            assertEquals(200, http.send(HttpRequest.newBuilder(
                            URI.create(registry.url() + "/subjects/a-value/versions"))
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString(body(V1))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), type);
        }
    }

    @Test
    void checksCompatibilityByTheSubjectsLevel() throws Exception {
        assertTrue(call("POST", "/compatibility/subjects/a-value/versions/latest", body(V1))
                .json.get("is_compatible").asBoolean());
        call("POST", "/subjects/a-value/versions", body(V1));
        assertFalse(call("POST", "/compatibility/subjects/a-value/versions/1", body(BROKEN))
                .json.get("is_compatible").asBoolean());

        assertEquals("BACKWARD", call("GET", "/config", null).json.get("compatibilityLevel")
                .asText());
        assertEquals("NONE", call("PUT", "/config/a-value", "{\"compatibility\":\"none\"}")
                .json.get("compatibility").asText());
        assertEquals("NONE", call("GET", "/config/a-value", null).json.get("compatibilityLevel")
                .asText());
        assertTrue(call("POST", "/compatibility/subjects/a-value/versions/latest", body(BROKEN))
                .json.get("is_compatible").asBoolean());
        assertEquals(2, call("POST", "/subjects/a-value/versions", body(BROKEN)).json.get("id")
                .asInt());
        assertError(422, 42203, call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"));
    }

    @Test
    void deletesSubjectsAndDecodesSubjectNames() throws Exception {
        call("POST", "/subjects/odd%20name%2Fx/versions", body(V1));
        assertEquals("[\"odd name/x\"]", call("GET", "/subjects", null).text);
        assertEquals("[1]", call("DELETE", "/subjects/odd%20name%2Fx", null).text);
        assertEquals("[]", call("GET", "/subjects", null).text);
        assertError(404, 40401, call("DELETE", "/subjects/odd%20name%2Fx", null));
    }

    @Test
    void reportsAPortInUse() {
        BindException e = assertThrows(BindException.class,
                () -> LocalSchemaRegistry.start("127.0.0.1", registry.port()));
        assertTrue(e.getMessage().contains("port " + registry.port() + " is already in use"),
                e.getMessage());
    }

    private static String body(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private Answer call(String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().startsWith("{") ? JSON.readTree(response.body()) : null;
        return new Answer(response.statusCode(), response.body(), json);
    }

    private static void assertError(int status, int code, Answer answer) {
        assertEquals(status, answer.status, answer.text);
        assertEquals(code, answer.json.get("error_code").asInt(), answer.text);
        assertFalse(answer.json.get("message").asText().isBlank(), answer.text);
    }

    private record Answer(int status, String text, JsonNode json) {}
}
