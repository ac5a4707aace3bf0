package io.inferflow.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small, thread-safe client of the Confluent Schema Registry REST API: register, schema by id,
 * latest version, compatibility check, subjects. Schemas by id and ids by (subject, schema) are
 * cached, so decoding and encoding call the registry once per schema, never per record.
 *
 * <pre>{@code
 * var client = new SchemaRegistryClient("http://localhost:8085");
 * int id = client.register("features-value", FeatureEvent.getClassSchema());
 * Schema writer = client.getById(id);
 * }</pre>
 *
 * <p>Works against Confluent Schema Registry, {@link LocalSchemaRegistry} and Apicurio Registry's
 * Confluent-compatible API ({@code .../apis/ccompat/v7}).
 */
public final class SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    /**
     * @param baseUrl the registry's base URL, e.g. {@code http://localhost:8085}; a trailing
     *     slash is accepted
     */
    public SchemaRegistryClient(String baseUrl) {
        this.baseUrl = checkUrl(baseUrl);
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** The base URL without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Registers {@code schema} under {@code subject} (or finds it there) and returns its global
     * id. Cached: the registry is asked once per (subject, schema).
     */
    public int register(String subject, Schema schema) throws IOException {
        checkSubject(subject);
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions",
                schemaBody(schema), "subject '" + subject + "'");
        int id = requiredInt(answer, "id", "subject '" + subject + "'");
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        LOG.info("Schema {} registered under subject '{}' at {} with id {}",
                schema.getFullName(), subject, baseUrl, id);
        return id;
    }

    /**
     * The schema with global id {@code id}. Cached: the registry is asked once per id.
     *
     * @throws SchemaRegistryException with {@link SchemaRegistryException#SCHEMA_NOT_FOUND} when
     *     the registry does not know the id
     */
    public Schema getById(int id) throws IOException {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String what = "schema id " + id;
        // Only a Confluent-style 40403 means "unknown id": a bare 404 (say, a URL missing
        // Apicurio's /apis/ccompat/v7) must not make every record look unknown.
        JsonNode answer = send("GET", "/schemas/ids/" + id, null, what);
        Schema schema = parse(answer, what);
        Schema known = schemasById.putIfAbsent(id, schema);
        LOG.debug("Fetched {} from {}", what, baseUrl);
        return known != null ? known : schema;
    }

    /** The latest version of {@code subject}; not cached. */
    public RegisteredSchema latest(String subject) throws IOException {
        checkSubject(subject);
        String what = "subject '" + subject + "'";
        JsonNode answer =
                send("GET", "/subjects/" + encode(subject) + "/versions/latest", null, what);
        int id = requiredInt(answer, "id", what);
        Schema schema = parse(answer, what);
        schemasById.putIfAbsent(id, schema);
        return new RegisteredSchema(id, requiredInt(answer, "version", what),
                answer.path("subject").asText(subject), schemasById.get(id));
    }

    /**
     * Whether {@code schema} may be registered under {@code subject} by the subject's
     * compatibility rule. True when the subject does not exist yet.
     */
    public boolean isCompatible(String subject, Schema schema) throws IOException {
        checkSubject(subject);
        String what = "subject '" + subject + "'";
        try {
            JsonNode answer = send("POST",
                    "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema), what);
            JsonNode compatible = answer.get("is_compatible");
            if (compatible == null || !compatible.isBoolean()) {
                throw new SchemaRegistryException("Schema registry at " + baseUrl + ", " + what
                        + ": answer has no boolean 'is_compatible': " + answer, 200, -1);
            }
            return compatible.booleanValue();
        } catch (SchemaRegistryException e) {
            // Confluent answers 40401 (or 40402) for a subject without versions, where Apicurio
            // 3.3 answers is_compatible true. Either way there is nothing to be incompatible with.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }

    /** All subjects the registry knows. */
    public List<String> subjects() throws IOException {
        JsonNode answer = send("GET", "/subjects", null, "subjects");
        if (!answer.isArray()) {
            throw new SchemaRegistryException("Schema registry at " + baseUrl
                    + ": /subjects did not answer a JSON array: " + answer, 200, -1);
        }
        List<String> subjects = new ArrayList<>();
        answer.forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    private JsonNode send(String method, String path, String body, String what)
            throws SchemaRegistryException {
        String url = baseUrl + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", ACCEPT);
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException("Schema registry at " + url + " (" + what
                    + ") cannot be reached: " + e, SchemaRegistryException.UNREACHABLE,
                    SchemaRegistryException.UNREACHABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while calling schema registry at "
                    + url + " (" + what + ")", SchemaRegistryException.UNREACHABLE,
                    SchemaRegistryException.UNREACHABLE, e);
        }
        int status = response.statusCode();
        JsonNode json = readJson(response.body());
        if (status / 100 != 2) {
            int code = json != null && json.has("error_code")
                    ? json.get("error_code").asInt(status) : status;
            String message = json != null && json.has("message")
                    ? json.get("message").asText() : abbreviate(response.body());
            throw new SchemaRegistryException(method + " " + url + " (" + what + ") failed: HTTP "
                    + status + ", error_code " + code + ": " + message, status, code);
        }
        if (json == null) {
            throw new SchemaRegistryException(method + " " + url + " (" + what
                    + ") answered HTTP " + status + " without JSON: "
                    + abbreviate(response.body()), status, -1);
        }
        return json;
    }

    private Schema parse(JsonNode answer, String what) throws SchemaRegistryException {
        String type = answer.path("schemaType").asText("AVRO");
        JsonNode text = answer.get("schema");
        if (text == null || !"AVRO".equalsIgnoreCase(type)) {
            throw new SchemaRegistryException("Schema registry at " + baseUrl + ", " + what
                    + ": expected an AVRO schema, got schemaType " + type
                    + (text == null ? " without 'schema'" : ""), 200,
                    SchemaRegistryException.INVALID_SCHEMA);
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("Schema registry at " + baseUrl + ", " + what
                    + ": the schema does not parse as Avro: " + e.getMessage(), 200,
                    SchemaRegistryException.INVALID_SCHEMA, e);
        }
    }

    private int requiredInt(JsonNode answer, String field, String what)
            throws SchemaRegistryException {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("Schema registry at " + baseUrl + ", " + what
                    + ": answer has no integer '" + field + "': " + answer, 200, -1);
        }
        return value.intValue();
    }

    private static String schemaBody(Schema schema) {
        if (schema == null) {
            throw new IllegalArgumentException("schema is null");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        // schemaType is left out: AVRO is the default, and older registries reject the field.
        return body.toString();
    }

    private static JsonNode readJson(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String abbreviate(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        return body.length() <= 200 ? body : body.substring(0, 200) + "...";
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void checkSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("subject is empty: '" + subject + "'");
        }
    }

    /**
     * Checks that {@code baseUrl} is an http(s) URL without query or fragment, and returns it
     * without trailing slashes; lets callers validate a URL without creating a client.
     *
     * @throws IllegalArgumentException naming the URL when it is not usable
     */
    public static String checkUrl(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("schema registry URL is empty: '" + baseUrl + "'");
        }
        String trimmed = baseUrl.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("schema registry URL '" + baseUrl
                    + "' is not a valid URL: " + e.getMessage(), e);
        }
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("schema registry URL '" + baseUrl
                    + "' is not an http(s)://host[:port][/path] URL");
        }
        return trimmed;
    }

    private record SubjectSchema(String subject, Schema schema) {}
}
