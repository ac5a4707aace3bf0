package io.inferflow.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, in-memory Schema Registry serving the Confluent REST API, enough of it for
 * Confluent's serializers, kafkajs' {@code @kafkajs/confluent-schema-registry}, confluent-kafka
 * and {@link SchemaRegistryClient}. Avro only; compatibility {@code BACKWARD} by default.
 *
 * <pre>{@code
 * try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("localhost", 0)) {
 *     var client = new SchemaRegistryClient(registry.url());
 * }
 * }</pre>
 *
 * <p>It can be secured like a production registry, with HTTP basic or bearer authentication,
 * HTTPS and client certificates (see {@link LocalRegistrySecurity}):
 *
 * <pre>{@code
 * LocalCertificates certs = LocalCertificates.create(dir);
 * try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("localhost", 0,
 *         LocalRegistrySecurity.none().withUser("alice", "secret").withTls(certs))) {
 *     var client = new SchemaRegistryClient(RegistrySettings.fromProperties(registry.url(),
 *             Map.of("basic.auth.user.info", "alice:secret",
 *                     "schema.registry.ssl.truststore.location", certs.truststoreP12().toString(),
 *                     "schema.registry.ssl.truststore.password", certs.password(),
 *                     "schema.registry.ssl.truststore.type", "PKCS12")));
 * }
 * }</pre>
 */
public final class LocalSchemaRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CONTENT_TYPES = Set.of(SchemaRegistryClient.CONTENT_TYPE,
            "application/vnd.schemaregistry+json", "application/json");
    private static final int THREADS = 4;
    private static final String REALM = "inferflow";

    private final HttpServer server;
    private final ExecutorService executor;
    private final String url;
    private final LocalRegistrySecurity security;
    private final InMemorySchemaStore store = new InMemorySchemaStore();
    private final AtomicLong requests = new AtomicLong();

    private LocalSchemaRegistry(HttpServer server, ExecutorService executor, String host,
            LocalRegistrySecurity security) {
        this.server = server;
        this.executor = executor;
        this.security = security;
        String urlHost = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        this.url = (security.tls() ? "https://" : "http://")
                + (urlHost.contains(":") ? "[" + urlHost + "]" : urlHost) + ":"
                + server.getAddress().getPort();
    }

    /**
     * Starts a registry listening on {@code host:port}; port 0 picks a free port. Plain HTTP,
     * no authentication.
     *
     * @throws BindException when the port is already in use
     */
    public static LocalSchemaRegistry start(String host, int port) throws IOException {
        return start(host, port, LocalRegistrySecurity.none());
    }

    /**
     * Starts a registry listening on {@code host:port} (port 0 picks a free port), secured as
     * {@code security} says: HTTPS when it has a TLS context, credentials required when it has
     * users or tokens.
     *
     * @throws BindException when the port is already in use
     * @throws IllegalArgumentException when a client certificate is required without TLS
     */
    public static LocalSchemaRegistry start(String host, int port, LocalRegistrySecurity security)
            throws IOException {
        if (security == null) {
            throw new IllegalArgumentException("security is null; use LocalRegistrySecurity.none()");
        }
        if (security.needClientCertificate() && !security.tls()) {
            throw new IllegalArgumentException("a client certificate can only be required with"
                    + " TLS: add withTls(...) to " + security);
        }
        HttpServer server;
        try {
            if (security.tls()) {
                HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 0);
                boolean needClientAuth = security.needClientCertificate();
                https.setHttpsConfigurator(new HttpsConfigurator(security.sslContext()) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                        parameters.setNeedClientAuth(needClientAuth);
                        params.setSSLParameters(parameters);
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(new InetSocketAddress(host, port), 0);
            }
        } catch (BindException e) {
            BindException inUse = new BindException("Cannot start the local schema registry: port "
                    + port + " is already in use on " + host + " (" + e.getMessage()
                    + "); stop the other process or choose another port");
            inUse.initCause(e);
            throw inUse;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread =
                    new Thread(runnable, "local-schema-registry-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        LocalSchemaRegistry registry = new LocalSchemaRegistry(server, executor, host, security);
        server.createContext("/", registry::handle);
        server.setExecutor(executor);
        server.start();
        if (security == LocalRegistrySecurity.none()) {
            LOG.info("Local schema registry listening on {}", registry.url);
        } else {
            LOG.info("Local schema registry listening on {}, {}", registry.url, security);
        }
        return registry;
    }

    /** The base URL, e.g. {@code http://localhost:8085}; {@code https://...} with TLS. */
    public String url() {
        return url;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** How many HTTP requests the registry has answered; lets tests prove caching. */
    public long requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        LOG.info("Local schema registry on {} stopped", url);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        try {
            try {
                authorize(exchange, method);
                checkContentType(exchange, method);
                Object answer = route(method, segments(exchange), exchange);
                respond(exchange, 200, answer instanceof String text ? text
                        : JSON.writeValueAsString(answer));
            } catch (RegistryError e) {
                LOG.debug("{} {}: {} {}", method, exchange.getRequestURI(), e.errorCode(),
                        e.getMessage());
                ObjectNode body = JSON.createObjectNode()
                        .put("error_code", e.errorCode())
                        .put("message", e.getMessage());
                respond(exchange, e.httpStatus(), body.toString());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed", method, exchange.getRequestURI(), e);
                ObjectNode body = JSON.createObjectNode()
                        .put("error_code", 50001)
                        .put("message", "Error in the local schema registry: " + e);
                respond(exchange, 500, body.toString());
            }
        } finally {
            exchange.close();
        }
    }

    /**
     * Lets the request through when no credentials are required or the caller's are right and
     * allow the request; answers 401 or 403 otherwise.
     */
    private void authorize(HttpExchange exchange, String method) throws RegistryError {
        if (!security.requiresAuthentication()) {
            return;
        }
        LocalRegistrySecurity.Principal principal =
                security.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
        if (principal == null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + REALM + "\"");
            throw new RegistryError(401, "Unauthorized");
        }
        if (!principal.mayWrite() && isWrite(method, segments(exchange))) {
            throw new RegistryError(40301, "User " + principal.name() + " is denied operation"
                    + " Write on " + exchange.getRequestURI().getRawPath());
        }
    }

    /** Registering, deleting and changing the configuration; lookups are reads. */
    private static boolean isWrite(String method, List<String> path) {
        if (method.equals("DELETE") || method.equals("PUT")) {
            return true;
        }
        return method.equals("POST") && path.size() == 3 && path.get(0).equals("subjects")
                && path.get(2).equals("versions");
    }

    private Object route(String method, List<String> path, HttpExchange exchange)
            throws RegistryError, IOException {
        int n = path.size();
        String head = n == 0 ? "" : path.get(0);
        if (n == 0) {
            return expect(method, "GET", JSON.createObjectNode());
        } else if (head.equals("schemas") && n == 2 && path.get(1).equals("types")) {
            return expect(method, "GET", List.of("AVRO"));
        } else if (head.equals("schemas") && n >= 3 && n <= 4 && path.get(1).equals("ids")
                && (n == 3 || path.get(3).equals("schema"))) {
            expect(method, "GET", null);
            Schema schema = store.schemaById(schemaId(path.get(2)));
            return n == 4 ? schema.toString() : JSON.createObjectNode()
                    .put("schema", schema.toString());
        } else if (head.equals("subjects") && n == 1) {
            return expect(method, "GET", store.subjects());
        } else if (head.equals("subjects") && n == 2) {
            if (method.equals("DELETE")) {
                return store.delete(path.get(1));
            }
            expect(method, "POST", null);
            return registered(store.lookup(path.get(1), schemaOf(exchange)));
        } else if (head.equals("subjects") && n == 3 && path.get(2).equals("versions")) {
            if (method.equals("POST")) {
                RegisteredSchema registered = store.register(path.get(1), schemaOf(exchange));
                LOG.debug("Registered id {} as version {} of '{}'", registered.id(),
                        registered.version(), registered.subject());
                return JSON.createObjectNode().put("id", registered.id());
            }
            return expect(method, "GET", store.versionNumbers(path.get(1)));
        } else if (head.equals("subjects") && (n == 4 || n == 5)
                && path.get(2).equals("versions") && (n == 4 || path.get(4).equals("schema"))) {
            expect(method, "GET", null);
            RegisteredSchema version = store.version(path.get(1), path.get(3));
            return n == 5 ? version.schema().toString() : registered(version);
        } else if (head.equals("compatibility") && n == 5 && path.get(1).equals("subjects")
                && path.get(3).equals("versions")) {
            expect(method, "POST", null);
            boolean compatible =
                    store.isCompatible(path.get(2), path.get(4), schemaOf(exchange));
            return JSON.createObjectNode().put("is_compatible", compatible);
        } else if (head.equals("config") && n <= 2) {
            String subject = n == 2 ? path.get(1) : null;
            if (method.equals("PUT")) {
                JsonNode body = body(exchange);
                String level = store.setLevel(subject, body.path("compatibility").asText(null));
                return JSON.createObjectNode().put("compatibility", level);
            }
            expect(method, "GET", null);
            return JSON.createObjectNode().put("compatibilityLevel", store.level(subject));
        }
        throw new RegistryError(404, "HTTP 404 Not Found: no route for " + method + " /"
                + String.join("/", path));
    }

    private static <T> T expect(String method, String allowed, T answer) throws RegistryError {
        if (!method.equals(allowed)) {
            throw new RegistryError(405, "HTTP 405 Method Not Allowed: " + method
                    + " here; expected " + allowed);
        }
        return answer;
    }

    private static ObjectNode registered(RegisteredSchema registered) {
        return JSON.createObjectNode()
                .put("subject", registered.subject())
                .put("version", registered.version())
                .put("id", registered.id())
                .put("schema", registered.schema().toString());
    }

    private static Schema schemaOf(HttpExchange exchange) throws RegistryError, IOException {
        JsonNode body = body(exchange);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new RegistryError(42206, "Invalid schema type '" + type
                    + "': this local registry supports AVRO only");
        }
        JsonNode references = body.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw new RegistryError(42201, "Invalid schema: schema references are not supported"
                    + " by this local registry");
        }
        JsonNode text = body.get("schema");
        if (text == null || !text.isTextual()) {
            throw new RegistryError(42201, "Invalid schema: the body has no string 'schema'");
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new RegistryError(42201, "Invalid schema: " + e.getMessage());
        }
    }

    private static JsonNode body(HttpExchange exchange) throws RegistryError, IOException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw new RegistryError(400, "The request body is not a JSON object");
            }
            return body;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RegistryError(400, "The request body is not JSON: "
                    + e.getOriginalMessage());
        }
    }

    private static int schemaId(String text) throws RegistryError {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryError(40403, "Schema " + text + " not found: not a number");
        }
    }

    private static void checkContentType(HttpExchange exchange, String method)
            throws RegistryError {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !(method.equals("POST") || method.equals("PUT"))) {
            return;
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!CONTENT_TYPES.contains(mediaType)) {
            throw new RegistryError(415, "HTTP 415 Unsupported Media Type '" + contentType
                    + "'; expected one of " + CONTENT_TYPES);
        }
    }

    /** The decoded path segments: subjects may contain encoded '/', ' ' and others. */
    private static List<String> segments(HttpExchange exchange) {
        List<String> segments = new ArrayList<>();
        for (String raw : exchange.getRequestURI().getRawPath().split("/")) {
            if (!raw.isEmpty()) {
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    private static void respond(HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
