package io.inferflow.schemas.registry;

import io.inferflow.schemas.tls.LocalCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;

/**
 * How a {@link LocalSchemaRegistry} is secured: users for HTTP basic authentication (read-write
 * or read-only), accepted bearer tokens, TLS with a server {@link SSLContext}, and whether a
 * client certificate is required (mutual TLS). Immutable; each {@code with...} returns a copy.
 *
 * <pre>{@code
 * LocalCertificates certs = LocalCertificates.create(dir);
 * LocalRegistrySecurity security = LocalRegistrySecurity.none()
 *         .withUser("alice", "alice-secret")
 *         .withBearerToken("token-1")
 *         .withTls(certs)               // https, server.p12 as key store
 *         .requireClientCertificate(); // clients need a certificate the CA signed
 * try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("localhost", 0, security)) {
 *     // registry.url() is https://localhost:<port>
 * }
 * }</pre>
 *
 * <p>With users or tokens, every request needs one of them: without, or with wrong ones, the
 * registry answers HTTP 401 with {@code WWW-Authenticate: Basic realm="inferflow"} and {@code
 * {"error_code":401,"message":"Unauthorized"}}; a read-only user that writes (registers, deletes,
 * changes the configuration) gets HTTP 403 with error code 40301.
 */
public final class LocalRegistrySecurity {

    private static final LocalRegistrySecurity NONE =
            new LocalRegistrySecurity(Map.of(), Set.of(), Set.of(), null, false);

    private final Map<String, String> users;
    private final Set<String> readOnlyUsers;
    private final Set<String> tokens;
    private final SSLContext sslContext;
    private final boolean needClientCertificate;

    private LocalRegistrySecurity(Map<String, String> users, Set<String> readOnlyUsers,
            Set<String> tokens, SSLContext sslContext, boolean needClientCertificate) {
        this.users = Map.copyOf(users);
        this.readOnlyUsers = Set.copyOf(readOnlyUsers);
        this.tokens = Set.copyOf(tokens);
        this.sslContext = sslContext;
        this.needClientCertificate = needClientCertificate;
    }

    /** Plain HTTP, no authentication: what {@link LocalSchemaRegistry#start(String, int)} does. */
    public static LocalRegistrySecurity none() {
        return NONE;
    }

    /** Adds a user who may read and write, authenticated with HTTP basic. */
    public LocalRegistrySecurity withUser(String user, String password) {
        checkUser(user, password);
        Map<String, String> more = new LinkedHashMap<>(users);
        more.put(user, password);
        Set<String> readOnly = new LinkedHashSet<>(readOnlyUsers);
        readOnly.remove(user);
        return new LocalRegistrySecurity(more, readOnly, tokens, sslContext,
                needClientCertificate);
    }

    /** Adds a user who may only read (writes get HTTP 403), authenticated with HTTP basic. */
    public LocalRegistrySecurity withReadOnlyUser(String user, String password) {
        checkUser(user, password);
        Map<String, String> more = new LinkedHashMap<>(users);
        more.put(user, password);
        Set<String> readOnly = new LinkedHashSet<>(readOnlyUsers);
        readOnly.add(user);
        return new LocalRegistrySecurity(more, readOnly, tokens, sslContext,
                needClientCertificate);
    }

    /** Accepts {@code Authorization: Bearer <token>} (read and write). */
    public LocalRegistrySecurity withBearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("bearer token is empty");
        }
        Set<String> more = new LinkedHashSet<>(tokens);
        more.add(token);
        return new LocalRegistrySecurity(users, readOnlyUsers, more, sslContext,
                needClientCertificate);
    }

    /** Serves HTTPS with {@code serverContext} (its key manager holds the server's key). */
    public LocalRegistrySecurity withTls(SSLContext serverContext) {
        if (serverContext == null) {
            throw new IllegalArgumentException("server SSL context is null");
        }
        return new LocalRegistrySecurity(users, readOnlyUsers, tokens, serverContext,
                needClientCertificate);
    }

    /**
     * Serves HTTPS with the server certificate of {@code certs} (for {@code localhost} and
     * {@code 127.0.0.1}), trusting client certificates its CA signed.
     */
    public LocalRegistrySecurity withTls(LocalCertificates certs) throws IOException {
        return withTls(certs.serverSslContext());
    }

    /** Requires a client certificate that the TLS context's trust store trusts (mutual TLS). */
    public LocalRegistrySecurity requireClientCertificate() {
        return new LocalRegistrySecurity(users, readOnlyUsers, tokens, sslContext, true);
    }

    /** Whether the registry serves HTTPS. */
    public boolean tls() {
        return sslContext != null;
    }

    /** Whether requests need credentials (a user or a bearer token). */
    public boolean requiresAuthentication() {
        return !users.isEmpty() || !tokens.isEmpty();
    }

    SSLContext sslContext() {
        return sslContext;
    }

    boolean needClientCertificate() {
        return needClientCertificate;
    }

    /** Who {@code authorization} (the header's value) authenticates; null when nobody. */
    Principal authenticate(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = value.substring(0, space);
        String credentials = value.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(credentials),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String user = decoded.substring(0, colon);
            String expected = users.get(user);
            if (expected != null && same(expected, decoded.substring(colon + 1))) {
                return new Principal(user, !readOnlyUsers.contains(user));
            }
        } else if (scheme.equalsIgnoreCase("Bearer")) {
            boolean known = false;
            for (String token : tokens) {
                known |= same(token, credentials);
            }
            if (known) {
                return new Principal("bearer", true);
            }
        }
        return null;
    }

    private static boolean same(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static void checkUser(String user, String password) {
        if (user == null || user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("user name is empty or contains ':': '" + user
                    + "'");
        }
        if (password == null) {
            throw new IllegalArgumentException("password of user '" + user + "' is null");
        }
    }

    /** An authenticated caller. */
    record Principal(String name, boolean mayWrite) {}

    /** Lists users and settings, never passwords or tokens. */
    @Override
    public String toString() {
        return "LocalRegistrySecurity[users=" + new TreeSet<>(users.keySet()) + ", readOnly="
                + new TreeSet<>(readOnlyUsers)
                + ", bearerTokens=" + tokens.size() + ", tls=" + tls()
                + ", clientCertificate=" + (needClientCertificate ? "required" : "no") + "]";
    }
}
