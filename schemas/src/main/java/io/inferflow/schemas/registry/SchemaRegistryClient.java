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
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
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
 *
 * // a production registry: basic auth over TLS, configured as for Confluent's serializers
 * var secured = new SchemaRegistryClient(RegistrySettings.fromProperties(null, Map.of(
 *         "schema.registry.url", "https://registry.example.com:8081",
 *         "basic.auth.user.info", "${env:REGISTRY_USER_INFO}",
 *         "schema.registry.ssl.truststore.location", "/etc/ssl/registry-ca.pem",
 *         "schema.registry.ssl.truststore.type", "PEM",
 *         "config.providers", "env",
 *         "config.providers.env.class",
 *         "org.apache.kafka.common.config.provider.EnvVarConfigProvider")));
 * }</pre>
 *
 * <p>Every request carries the configured {@code Authorization} (basic or bearer). Failures are
 * {@link SchemaRegistryException}s with messages for people: HTTP 401 and 403 ({@link
 * SchemaRegistryException#UNAUTHORIZED}, {@link SchemaRegistryException#FORBIDDEN}) name the
 * registry, the user and the setting to check; TLS failures ({@link
 * SchemaRegistryException#TLS_FAILED}) the likely fix. Neither ever holds a secret.
 *
 * <p>A registry that cannot be reached, or answers 5xx, is tried 4 times in all,
 * after 250 ms, 500 ms and 1 s, before the exception ({@link
 * SchemaRegistryException#UNREACHABLE} or the 5xx status) is thrown; other answers (4xx) and TLS
 * failures are not retried. Without credentials, redirects are followed (not from https to
 * http); with credentials they are not, so that the credentials never go to another host.
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
    /** How many times a request is sent to a registry that is down or answers 5xx. */
    static final int ATTEMPTS = 4;
    /** The pause before the second, third and fourth attempt. */
    static final List<Duration> BACKOFF =
            List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final RegistrySettings.Credentials credentials;
    private final RegistrySettings.Resolved settings;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    /**
     * A client without authentication and with the JDK's default trust; {@code new
     * SchemaRegistryClient(RegistrySettings.of(baseUrl))}.
     *
     * @param baseUrl the registry's base URL, e.g. {@code http://localhost:8085}; a trailing
     *     slash is accepted
     */
    public SchemaRegistryClient(String baseUrl) {
        this(RegistrySettings.of(baseUrl));
    }

    /**
     * A client of the registry {@code settings} describe. Their config-provider references are
     * resolved and their stores loaded here, in the JVM that uses the client.
     *
     * @throws IllegalArgumentException naming the setting when the settings do not resolve
     */
    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings").resolve();
        this.baseUrl = this.settings.url();
        this.credentials = this.settings.credentials();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(credentials.kind() == RegistrySettings.Credentials.Kind.NONE
                        ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER);
        if (this.settings.sslContext() != null) {
            builder.sslContext(this.settings.sslContext());
        }
        this.http = builder.build();
    }

    /** The base URL without a trailing slash and without user info. */
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
        if (credentials.authorization() != null) {
            request.header("Authorization", credentials.authorization());
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest built = request.build();
        HttpResponse<String> response = null;
        for (int attempt = 1; response == null; attempt++) {
            try {
                response = http.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                IOException failure = e;
                String tls = tlsFailure(e, true);
                if (tls == null && attempt == 1 && mayHideATlsFailure(e)) {
                    TlsProbe probe = probeTls();
                    if (probe != null) {
                        tls = probe.failure();
                        failure = probe.cause();
                        failure.addSuppressed(e);
                    }
                }
                if (tls != null) {
                    // Configuration faults: retrying cannot help.
                    throw new SchemaRegistryException("schema registry at " + baseUrl + ": "
                            + tls, SchemaRegistryException.UNREACHABLE,
                            SchemaRegistryException.TLS_FAILED, failure);
                }
                if (attempt >= ATTEMPTS) {
                    String otherTls = tlsFailure(e, false);
                    if (otherTls != null) {
                        throw new SchemaRegistryException("schema registry at " + baseUrl
                                + " (" + what + "), " + ATTEMPTS + " attempts: " + otherTls,
                                SchemaRegistryException.UNREACHABLE,
                                SchemaRegistryException.TLS_FAILED, e);
                    }
                    throw new SchemaRegistryException("Schema registry at " + url + " (" + what
                            + ") cannot be reached (" + ATTEMPTS + " attempts): " + e,
                            SchemaRegistryException.UNREACHABLE,
                            SchemaRegistryException.UNREACHABLE, e);
                }
                backOff(attempt, method + " " + url + " (" + what + ") failed: " + e, url, what);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(url, what, e);
            }
            if (response.statusCode() / 100 == 5 && attempt < ATTEMPTS) {
                backOff(attempt, method + " " + url + " (" + what + ") answered HTTP "
                        + response.statusCode(), url, what);
                response = null;
            }
        }
        int status = response.statusCode();
        JsonNode json = readJson(response.body());
        if (status == 401 || status == 403) {
            throw refused(status, json, what);
        }
        if (status / 100 == 3
                && credentials.kind() != RegistrySettings.Credentials.Kind.NONE) {
            String location = response.headers().firstValue("Location").orElse("(no Location)");
            throw new SchemaRegistryException(method + " " + url + " (" + what + ") was"
                    + " redirected (HTTP " + status + ") to " + RegistrySettings.stripUserInfo(
                            location) + "; redirects are not followed when credentials are"
                    + " configured, so that they are not sent elsewhere: set "
                    + RegistrySettings.URL + " to the registry's own URL", status, status);
        }
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

    private static void backOff(int attempt, String failure, String url, String what)
            throws SchemaRegistryException {
        Duration pause = BACKOFF.get(Math.min(attempt, BACKOFF.size()) - 1);
        LOG.warn("{}; attempt {} of {}, retrying in {} ms", failure, attempt, ATTEMPTS,
                pause.toMillis());
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(url, what, e);
        }
    }

    private static SchemaRegistryException interrupted(String url, String what,
            InterruptedException e) {
        return new SchemaRegistryException("Interrupted while calling schema registry at "
                + url + " (" + what + ")", SchemaRegistryException.UNREACHABLE,
                SchemaRegistryException.UNREACHABLE, e);
    }

    /** The exception for HTTP 401 or 403: who was refused and what to check; no secrets. */
    private SchemaRegistryException refused(int status, JsonNode json, String what) {
        String http = status == 401 ? "HTTP 401 Unauthorized" : "HTTP 403 Forbidden";
        int code = status == 401
                ? SchemaRegistryException.UNAUTHORIZED : SchemaRegistryException.FORBIDDEN;
        String registry = "schema registry at " + baseUrl;
        String says = json != null && json.hasNonNull("message")
                ? " (the registry says: " + abbreviate(json.get("message").asText()) + ")" : "";
        String message;
        switch (credentials.kind()) {
            case BASIC:
                message = status == 401
                        ? registry + " refused user '" + credentials.user() + "' (" + http
                                + "): check " + credentials.check()
                        : registry + " denied user '" + credentials.user() + "' access to "
                                + what + " (" + http + ")" + says + ": grant the user access"
                                + " in the registry, or use another user in "
                                + credentials.check();
                break;
            case BEARER:
                message = status == 401
                        ? registry + " refused the bearer token (" + http + "): check "
                                + credentials.check() + " (has the token expired?)"
                        : registry + " denied the bearer token access to " + what + " ("
                                + http + ")" + says + ": grant its principal access in the"
                                + " registry";
                break;
            default:
                message = registry + (status == 401 ? " requires authentication"
                        : " denied anonymous access to " + what) + " (" + http
                        + ") but no credentials are configured: set "
                        + RegistrySettings.BASIC_AUTH_CREDENTIALS_SOURCE + " and "
                        + RegistrySettings.BASIC_AUTH_USER_INFO + " (or "
                        + RegistrySettings.BEARER_AUTH_TOKEN + ")";
        }
        return new SchemaRegistryException(message, status, code);
    }

    /**
     * Whether {@code e}, a failure after the connection was made to an https registry, may hide
     * a TLS failure worth a {@link #probeTls() probe}. With TLS 1.3 the server checks the
     * client's certificate after the client has finished its handshake; when it refuses it (or
     * there is none), the JDK's {@code HttpClient} (JDK 17) sees a closed connection ("HTTP/1.1
     * header parser received no bytes"), or at best the server's alert, not what happened.
     */
    private boolean mayHideATlsFailure(IOException e) {
        return baseUrl.regionMatches(true, 0, "https:", 0, 6)
                && !(e instanceof java.net.ConnectException)
                && !(e instanceof java.net.http.HttpTimeoutException);
    }

    /**
     * Makes one TLS connection to the registry with the client's settings, sends a request and
     * reads the first byte of the answer, noting whether the registry asks for a client
     * certificate. Returns what fails with the likely fix, or null when TLS works, the registry
     * cannot be reached at all or the failure is not a TLS one.
     */
    private TlsProbe probeTls() {
        URI uri = URI.create(baseUrl);
        int port = uri.getPort() < 0 ? 443 : uri.getPort();
        AtomicBoolean certificateRequested = new AtomicBoolean();
        try {
            SSLContext context = RegistryTls.context(settings.truststore(), settings.keystore(),
                    settings.verifyHostname(), certificateRequested);
            int timeout = (int) CONNECT_TIMEOUT.toMillis();
            try (java.net.Socket plain = new java.net.Socket()) {
                plain.connect(new java.net.InetSocketAddress(uri.getHost(), port), timeout);
                plain.setSoTimeout(timeout);
                // Layered with the URL's host: SNI and hostname verification as HttpClient does.
                SSLSocket socket = (SSLSocket) context.getSocketFactory()
                        .createSocket(plain, uri.getHost(), port, true);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                socket.getOutputStream().write(("HEAD / HTTP/1.1\r\nHost: " + uri.getHost()
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() >= 0) {
                    return null;
                }
                throw new java.io.EOFException("the registry closed the connection without an"
                        + " answer");
            }
        } catch (IOException e) {
            String failure = tlsFailure(e, true);
            // The connection broke after the registry asked for a client certificate: while
            // the client sent it (broken pipe), or when the registry read it (closed, reset).
            if (failure == null && certificateRequested.get()) {
                failure = clientCertificateFailure(" (it asked for a client certificate in"
                        + " the TLS handshake, then closed the connection)");
            }
            return failure == null ? null : new TlsProbe(failure, e);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private record TlsProbe(String failure, IOException cause) {}

    private String clientCertificateFailure(String because) {
        RegistryTls.Store keystore = settings.keystore();
        return keystore == null
                ? "the registry requires a client certificate (mutual TLS)" + because
                        + ": set " + RegistrySettings.SSL_KEYSTORE_LOCATION
                : "the registry refused the client certificate in " + keystore.path()
                        + " (" + RegistrySettings.SSL_KEYSTORE_LOCATION + ")" + because
                        + ": is it signed by a CA the registry trusts?";
    }

    /**
     * What went wrong when {@code e} is a TLS failure, with the likely fix; null otherwise.
     *
     * @param configurationOnly only failures the configuration has to fix, which retrying
     *     cannot: an untrusted certificate, one for another host, a client certificate missing
     *     or refused
     */
    private String tlsFailure(IOException e, boolean configurationOnly) {
        boolean ssl = false;
        boolean untrusted = false;
        boolean wrongHost = false;
        boolean clientCertificate = false;
        String reason = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String text = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof SSLException) {
                ssl = true;
                if (reason == null) {
                    reason = t.getMessage();
                }
            }
            untrusted |= t instanceof java.security.cert.CertPathBuilderException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || text.contains("pkix path") || text.contains("valid certification path");
            wrongHost |= text.contains("no subject alternative")
                    || text.contains("no name matching");
            clientCertificate |= text.contains("certificate_required")
                    || text.contains("bad_certificate") || text.contains("unknown_ca")
                    || text.contains("certificate_unknown");
        }
        if (!ssl) {
            return null;
        }
        String because = reason == null ? "" : " (" + reason + ")";
        RegistryTls.Store truststore = settings.truststore();
        if (untrusted) {
            return truststore == null
                    ? "the registry's certificate is not trusted" + because + ": set "
                            + RegistrySettings.SSL_TRUSTSTORE_LOCATION + " to a trust store"
                            + " holding the CA that signed it"
                    : "the registry's certificate is not trusted by " + truststore.path()
                            + " (" + RegistrySettings.SSL_TRUSTSTORE_LOCATION + ")" + because
                            + ": does it hold the CA that signed the registry's certificate?";
        }
        if (wrongHost) {
            return "the registry's certificate is not issued for the host in its URL" + because
                    + ": use a host name the certificate names in " + RegistrySettings.URL
                    + " (or, insecure, set "
                    + RegistrySettings.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM + " to empty)";
        }
        if (clientCertificate) {
            return clientCertificateFailure(because);
        }
        if (configurationOnly) {
            return null;
        }
        return "TLS failed" + because + ": is " + baseUrl + " an https registry, and are "
                + RegistrySettings.SSL_TRUSTSTORE_LOCATION + " and "
                + RegistrySettings.SSL_KEYSTORE_LOCATION + " right?";
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
