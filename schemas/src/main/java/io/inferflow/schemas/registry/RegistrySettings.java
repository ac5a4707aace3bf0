package io.inferflow.schemas.registry;

import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the Schema Registry is and how to talk to it: base URL, HTTP basic or bearer
 * authentication, and TLS (trust store, client certificate for mutual TLS, hostname
 * verification). Configured with the property names of Confluent's serializers, so that the
 * {@code client.properties} a Kafka client already uses works unchanged:
 *
 * <pre>{@code
 * Properties props = ...; // client.properties: schema.registry.url, basic.auth.user.info, ...
 * Map<String, String> map = new HashMap<>();
 * props.stringPropertyNames().forEach(key -> map.put(key, props.getProperty(key)));
 * RegistrySettings settings = RegistrySettings.fromProperties(null, map);
 * var client = new SchemaRegistryClient(settings);
 * var decoder = new ConfluentFeatureEventDecoder(settings); // serializable, no secrets resolved
 *
 * // the common case, no authentication:
 * var local = new SchemaRegistryClient(RegistrySettings.of("http://localhost:8085"));
 * }</pre>
 *
 * <h2>Properties</h2>
 *
 * <ul>
 *   <li>{@code schema.registry.url}: overrides the URL argument of {@link #fromProperties}. A
 *       comma-separated list is accepted, but only its first URL is used (no fail-over).
 *   <li>{@code basic.auth.credentials.source}: {@code USER_INFO} ({@code basic.auth.user.info} or
 *       its alias {@code schema.registry.basic.auth.user.info}, {@code user:password}), {@code
 *       URL} (the user info of the URL, {@code https://user:password@host:port}; percent-encode
 *       {@code :}, {@code @} and {@code %} in them) or {@code SASL_INHERIT} (username and password
 *       of the PLAIN or SCRAM login module in {@code sasl.jaas.config} of the same properties).
 *       Default: {@code USER_INFO} when {@code basic.auth.user.info} is set, else {@code URL} when
 *       the URL has user info, else no basic authentication.
 *   <li>{@code bearer.auth.credentials.source}: {@code STATIC_TOKEN} only (the default when {@code
 *       bearer.auth.token} is set), with the token in {@code bearer.auth.token}. OAuth client
 *       credentials and the other sources are refused. Basic and bearer together are refused.
 *   <li>{@code schema.registry.ssl.truststore.location}, {@code .password}, {@code .type}
 *       ({@code JKS}, the default, {@code PKCS12} or {@code PEM}: a file of one or more X.509
 *       certificates). Without a trust store the JDK's default trust ({@code cacerts}) applies.
 *   <li>{@code schema.registry.ssl.keystore.location}, {@code .password}, {@code .type} ({@code
 *       JKS}, the default, {@code PKCS12} or {@code PEM}: an unencrypted PKCS#8 {@code PRIVATE
 *       KEY} followed by its certificate chain) and {@code schema.registry.ssl.key.password}
 *       (default: the key store password): the client certificate for mutual TLS.
 *   <li>{@code schema.registry.ssl.endpoint.identification.algorithm}: {@code https} (default)
 *       verifies that the registry's certificate was issued for the host in the URL; the empty
 *       string turns that off, which is <b>insecure</b>: any certificate the trust store trusts,
 *       issued for whatever host, is then accepted (the chain is still verified).
 * </ul>
 *
 * <p>Any other key starting with {@code schema.registry.}, {@code basic.auth.} or {@code
 * bearer.auth.} is refused; other keys (the Kafka client's own) are ignored.
 *
 * <h2>Secrets</h2>
 *
 * <p>Values may be Kafka config-provider references, resolved with the {@code config.providers},
 * {@code config.providers.<alias>.class} and {@code config.providers.<alias>.param.*} keys of
 * the same properties, exactly as a Kafka client resolves them:
 *
 * <pre>{@code
 * config.providers=file,env
 * config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
 * config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
 * basic.auth.user.info=${file:/etc/secrets/registry.properties:user.info}
 * schema.registry.ssl.truststore.password=${env:REGISTRY_TRUSTSTORE_PASSWORD}
 * }</pre>
 *
 * <p>The settings keep the references, not what they resolve to: they are resolved when they are
 * validated (by the factories, so that mistakes show at start) and again in each {@link
 * SchemaRegistryClient} built from them, so that a serialized job graph holds no secret that was
 * given as a reference (secrets given literally, or in the URL, are of course serialized).
 * {@link #toString()} and the messages of every exception name keys, files, the URL (without
 * user info) and the user name, never a password, token or key password.
 *
 * <p>Immutable, {@link Serializable}, equal when built from the same URL and properties.
 */
public final class RegistrySettings implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RegistrySettings.class);

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String REGISTRY_BASIC_AUTH_USER_INFO =
            "schema.registry.basic.auth.user.info";
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source";
    public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM =
            "schema.registry.ssl.endpoint.identification.algorithm";
    /** The Kafka client's JAAS configuration, read for {@code SASL_INHERIT}. */
    public static final String SASL_JAAS_CONFIG = "sasl.jaas.config";

    /** Every key this class reads with the prefixes it owns. */
    public static final List<String> SUPPORTED_KEYS = List.of(URL,
            BASIC_AUTH_CREDENTIALS_SOURCE, BASIC_AUTH_USER_INFO, REGISTRY_BASIC_AUTH_USER_INFO,
            BEARER_AUTH_CREDENTIALS_SOURCE, BEARER_AUTH_TOKEN, SSL_TRUSTSTORE_LOCATION,
            SSL_TRUSTSTORE_PASSWORD, SSL_TRUSTSTORE_TYPE, SSL_KEYSTORE_LOCATION,
            SSL_KEYSTORE_PASSWORD, SSL_KEYSTORE_TYPE, SSL_KEY_PASSWORD,
            SSL_ENDPOINT_IDENTIFICATION_ALGORITHM);

    private static final List<String> OWN_PREFIXES =
            List.of("schema.registry.", "basic.auth.", "bearer.auth.");
    private static final String USER_INFO = "USER_INFO";
    private static final String URL_SOURCE = "URL";
    private static final String SASL_INHERIT = "SASL_INHERIT";
    private static final String STATIC_TOKEN = "STATIC_TOKEN";
    private static final List<String> LOGIN_MODULES = List.of(
            "org.apache.kafka.common.security.plain.PlainLoginModule",
            "org.apache.kafka.common.security.scram.ScramLoginModule");

    /** The URL as configured: may hold user info and references. */
    private final String rawUrl;
    /** The relevant properties as configured (references unresolved), without the URL. */
    private final TreeMap<String, String> properties;
    /** The first URL, resolved, without user info. */
    private final String url;
    /** What {@link #toString()} says; no secrets. */
    private final String description;

    private RegistrySettings(String rawUrl, TreeMap<String, String> properties) {
        this.rawUrl = rawUrl;
        this.properties = properties;
        Resolved resolved = resolve();
        this.url = resolved.url();
        this.description = resolved.describe();
        if (resolved.otherUrls() > 0) {
            LOG.warn("{} lists {} schema registries; only the first, {}, is used", URL,
                    resolved.otherUrls() + 1, url);
        }
    }

    /**
     * Settings for the registry at {@code url}, without TLS settings (the JDK's default trust
     * applies to {@code https}) and without authentication, unless the URL carries user info
     * ({@code https://user:password@host}), which is then sent as basic authentication, as
     * Confluent's default {@code basic.auth.credentials.source=URL} does.
     *
     * @throws IllegalArgumentException naming the URL when it is not an http(s) URL
     */
    public static RegistrySettings of(String url) {
        return fromProperties(url, Map.of());
    }

    /**
     * Settings from Confluent's serializer properties (see the class comment); {@code
     * schema.registry.url} in {@code properties} overrides {@code url}. Validated: references
     * are resolved and stores loaded once, so that mistakes show here.
     *
     * @param url the registry URL; may be null when {@code properties} has {@code
     *     schema.registry.url}
     * @param properties Kafka client and serializer properties; keys without the prefixes
     *     {@code schema.registry.}, {@code basic.auth.} and {@code bearer.auth.} are ignored
     *     (except {@code config.providers*} and {@code sasl.jaas.config})
     * @throws IllegalArgumentException naming the key (never the secret) when a setting is
     *     unknown, missing, contradictory or unusable
     */
    public static RegistrySettings fromProperties(String url, Map<String, String> properties) {
        Map<String, String> props = properties == null ? Map.of() : properties;
        String rawUrl = props.get(URL) != null ? props.get(URL) : url;
        if (rawUrl == null || rawUrl.isBlank()) {
            throw new IllegalArgumentException("schema registry URL is empty: pass one or set "
                    + URL);
        }
        List<String> unknown = new ArrayList<>();
        TreeMap<String, String> relevant = new TreeMap<>();
        for (Map.Entry<String, String> entry : props.entrySet()) {
            String key = entry.getKey();
            if (key == null || key.equals(URL)) {
                continue;
            }
            if (OWN_PREFIXES.stream().anyMatch(key::startsWith)) {
                if (!SUPPORTED_KEYS.contains(key)) {
                    unknown.add(key);
                }
                relevant.put(key, entry.getValue());
            } else if (ConfigReferences.isProviderKey(key)) {
                relevant.put(key, entry.getValue());
            }
        }
        String bearerSource = relevant.get(BEARER_AUTH_CREDENTIALS_SOURCE);
        if (bearerSource != null && !bearerSource.contains("${")) {
            checkBearerSource(bearerSource);
        }
        if (!unknown.isEmpty()) {
            Collections.sort(unknown);
            throw new IllegalArgumentException("unsupported schema registry setting"
                    + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + ": supported are " + String.join(", ", SUPPORTED_KEYS) + " (keys without"
                    + " the prefixes schema.registry., basic.auth. and bearer.auth. are"
                    + " ignored)");
        }
        String basicSource = relevant.get(BASIC_AUTH_CREDENTIALS_SOURCE);
        if (basicSource != null && (basicSource.contains("${")
                || basicSource.strip().equalsIgnoreCase(SASL_INHERIT))
                && props.get(SASL_JAAS_CONFIG) != null) {
            // Only then: the Kafka client's JAAS configuration is a secret of its own.
            relevant.put(SASL_JAAS_CONFIG, props.get(SASL_JAAS_CONFIG));
        }
        return new RegistrySettings(rawUrl, relevant);
    }

    /**
     * The registry's base URL without trailing slash and without user info, e.g. {@code
     * https://registry.example.com:8081}.
     */
    public String url() {
        return url;
    }

    /**
     * Resolves the references and loads the stores again (files may have changed since the
     * settings were made, or these settings may have been deserialized on another machine).
     *
     * @return these settings
     * @throws IllegalArgumentException naming the key (never the secret) when something is
     *     wrong
     */
    public RegistrySettings validate() {
        resolve();
        return this;
    }

    /** The settings with references resolved, credentials and SSL context ready; not kept. */
    Resolved resolve() {
        Map<String, String> providers = new TreeMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        values.put(URL, rawUrl);
        properties.forEach((key, value) -> {
            if (ConfigReferences.isProviderKey(key)) {
                providers.put(key, value);
            } else {
                values.put(key, value);
            }
        });
        Map<String, String> p = ConfigReferences.resolve(values, providers);
        String[] urls = p.get(URL).split(",");
        String first = urls[0].strip();
        String checked;
        try {
            checked = SchemaRegistryClient.checkUrl(first);
        } catch (IllegalArgumentException e) {
            // The URL may carry a password in its user info: name it without.
            throw new IllegalArgumentException(
                    e.getMessage().replace(first, stripUserInfo(first)), e.getCause());
        }
        URI uri = URI.create(checked);
        Credentials credentials = credentials(p, uri);
        String endpoint = p.get(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM);
        boolean verifyHostname = true;
        if (endpoint != null) {
            String algorithm = endpoint.strip();
            if (algorithm.isEmpty()) {
                verifyHostname = false;
            } else if (!algorithm.equalsIgnoreCase("https")) {
                throw new IllegalArgumentException(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM + "='"
                        + algorithm + "' is not supported: use https (verify the registry's"
                        + " host name, the default) or the empty string (insecure: no"
                        + " hostname verification)");
            }
        }
        RegistryTls.Store truststore = store(p, SSL_TRUSTSTORE_LOCATION, SSL_TRUSTSTORE_PASSWORD,
                SSL_TRUSTSTORE_TYPE, null);
        RegistryTls.Store keystore = store(p, SSL_KEYSTORE_LOCATION, SSL_KEYSTORE_PASSWORD,
                SSL_KEYSTORE_TYPE, SSL_KEY_PASSWORD);
        SSLContext sslContext = truststore == null && keystore == null && verifyHostname
                ? null : RegistryTls.context(truststore, keystore, verifyHostname);
        return new Resolved(stripUserInfo(checked), urls.length - 1, credentials, sslContext,
                verifyHostname, truststore, keystore);
    }

    private static Credentials credentials(Map<String, String> p, URI uri) {
        String userInfoKey = null;
        String userInfo = null;
        for (String key : List.of(BASIC_AUTH_USER_INFO, REGISTRY_BASIC_AUTH_USER_INFO)) {
            String value = p.get(key);
            if (value == null) {
                continue;
            }
            if (userInfoKey != null && !value.equals(userInfo)) {
                throw new IllegalArgumentException(userInfoKey + " and " + key + " are both set,"
                        + " to different values: set only one");
            }
            if (userInfoKey == null) {
                userInfoKey = key;
                userInfo = value;
            }
        }
        String basicSource = p.get(BASIC_AUTH_CREDENTIALS_SOURCE);
        String bearerSource = p.get(BEARER_AUTH_CREDENTIALS_SOURCE);
        String token = p.get(BEARER_AUTH_TOKEN);
        boolean urlUserInfo = uri.getRawUserInfo() != null;
        List<String> basicKeys = new ArrayList<>();
        if (basicSource != null) {
            basicKeys.add(BASIC_AUTH_CREDENTIALS_SOURCE);
        }
        if (p.get(BASIC_AUTH_USER_INFO) != null) {
            basicKeys.add(BASIC_AUTH_USER_INFO);
        }
        if (p.get(REGISTRY_BASIC_AUTH_USER_INFO) != null) {
            basicKeys.add(REGISTRY_BASIC_AUTH_USER_INFO);
        }
        if (bearerSource != null || token != null) {
            if (basicKeys.isEmpty() && urlUserInfo) {
                basicKeys.add("the user info in " + URL);
            }
            List<String> bearerKeys = new ArrayList<>();
            if (bearerSource != null) {
                bearerKeys.add(BEARER_AUTH_CREDENTIALS_SOURCE);
            }
            if (token != null) {
                bearerKeys.add(BEARER_AUTH_TOKEN);
            }
            if (!basicKeys.isEmpty()) {
                throw new IllegalArgumentException("both basic authentication ("
                        + String.join(", ", basicKeys) + ") and bearer authentication ("
                        + String.join(", ", bearerKeys) + ") are configured for the schema"
                        + " registry: configure one of them");
            }
            if (bearerSource != null) {
                checkBearerSource(bearerSource);
            }
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException(BEARER_AUTH_CREDENTIALS_SOURCE + " is "
                        + STATIC_TOKEN + " but " + BEARER_AUTH_TOKEN + " is not set");
            }
            return Credentials.bearer(token.strip());
        }
        String source = basicSource == null ? null
                : basicSource.strip().toUpperCase(Locale.ROOT);
        if (source == null) {
            source = userInfoKey != null ? USER_INFO : urlUserInfo ? URL_SOURCE : null;
        }
        if (source == null) {
            return Credentials.NONE;
        }
        switch (source) {
            case USER_INFO: {
                if (userInfoKey == null) {
                    throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + " is "
                            + USER_INFO + " but " + BASIC_AUTH_USER_INFO + " (user:password) is"
                            + " not set");
                }
                int colon = userInfo.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(userInfoKey + " must be user:password,"
                            + " but has no ':'");
                }
                return Credentials.basic(userInfo.substring(0, colon),
                        userInfo.substring(colon + 1), userInfoKey, userInfoKey);
            }
            case URL_SOURCE: {
                String info = uri.getUserInfo();
                if (info == null) {
                    throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + " is "
                            + URL_SOURCE + " but " + URL + " has no user info"
                            + " (https://user:password@host:port)");
                }
                int colon = info.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException("the user info in " + URL + " must be"
                            + " user:password, but has no ':'");
                }
                return Credentials.basic(info.substring(0, colon), info.substring(colon + 1),
                        "the user info in " + URL, URL);
            }
            case SASL_INHERIT:
                return saslCredentials(p.get(SASL_JAAS_CONFIG));
            default:
                throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + "='"
                        + basicSource.strip() + "' is not supported: use " + USER_INFO + " ("
                        + BASIC_AUTH_USER_INFO + "), " + URL_SOURCE + " (user info in " + URL
                        + ") or " + SASL_INHERIT + " (" + SASL_JAAS_CONFIG + ")");
        }
    }

    private static Credentials saslCredentials(String jaas) {
        if (jaas == null || jaas.isBlank()) {
            throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + " is "
                    + SASL_INHERIT + " but " + SASL_JAAS_CONFIG + " is not set in the same"
                    + " properties");
        }
        List<AppConfigurationEntry> entries;
        try {
            entries = JaasContext.loadClientContext(Map.of(SASL_JAAS_CONFIG, new Password(jaas)))
                    .configurationEntries();
        } catch (RuntimeException e) {
            // Kafka's parser quotes tokens of the text in its messages: they might be secrets.
            String reason = String.valueOf(e.getMessage()).replaceAll("'[^']*'", "'…'");
            throw new IllegalArgumentException(SASL_JAAS_CONFIG + " is not a valid JAAS"
                    + " configuration (" + reason + "); for " + SASL_INHERIT + " it is '<login"
                    + " module> required username=\"...\" password=\"...\";' with "
                    + String.join(" or ", LOGIN_MODULES));
        }
        if (entries.size() != 1 || !LOGIN_MODULES.contains(entries.get(0).getLoginModuleName())) {
            List<String> modules = new ArrayList<>();
            entries.forEach(entry -> modules.add(entry.getLoginModuleName()));
            throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + " is "
                    + SASL_INHERIT + ", which takes the username and password of one "
                    + String.join(" or ", LOGIN_MODULES) + " in " + SASL_JAAS_CONFIG
                    + ", but it has " + modules);
        }
        Map<String, ?> options = entries.get(0).getOptions();
        Object user = options.get("username");
        Object password = options.get("password");
        if (!(user instanceof String) || ((String) user).isEmpty()
                || !(password instanceof String)) {
            throw new IllegalArgumentException(BASIC_AUTH_CREDENTIALS_SOURCE + " is "
                    + SASL_INHERIT + " but the login module in " + SASL_JAAS_CONFIG
                    + " has no username and password options");
        }
        return Credentials.basic((String) user, (String) password, SASL_JAAS_CONFIG,
                SASL_JAAS_CONFIG);
    }

    private static void checkBearerSource(String source) {
        if (!source.strip().equalsIgnoreCase(STATIC_TOKEN)) {
            throw new IllegalArgumentException(BEARER_AUTH_CREDENTIALS_SOURCE + "='"
                    + source.strip() + "' is not supported: only " + STATIC_TOKEN + " is (the"
                    + " token in " + BEARER_AUTH_TOKEN + "); OAuth client credentials"
                    + " (OAUTHBEARER), SASL_OAUTHBEARER_INHERIT and CUSTOM are not. Fetch the"
                    + " token outside and pass it as " + BEARER_AUTH_TOKEN + ", or use basic"
                    + " authentication (" + BASIC_AUTH_USER_INFO + ")");
        }
    }

    private static RegistryTls.Store store(Map<String, String> p, String locationKey,
            String passwordKey, String typeKey, String keyPasswordKey) {
        String location = p.get(locationKey);
        if (location == null || location.isBlank()) {
            return null;
        }
        Path path = Path.of(location.strip());
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(locationKey + ": file " + path
                    + " does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException(locationKey + ": " + path
                    + " is not a readable file");
        }
        String type = p.get(typeKey);
        type = type == null || type.isBlank() ? RegistryTls.JKS
                : type.strip().toUpperCase(Locale.ROOT);
        if (!RegistryTls.TYPES.contains(type)) {
            throw new IllegalArgumentException(typeKey + "='" + p.get(typeKey).strip()
                    + "' is not supported: use one of " + RegistryTls.TYPES);
        }
        char[] password = chars(p.get(passwordKey));
        char[] keyPassword = keyPasswordKey == null ? null : chars(p.get(keyPasswordKey));
        return new RegistryTls.Store(locationKey, path, type, password,
                keyPassword != null ? keyPassword : password);
    }

    private static char[] chars(String value) {
        return value == null ? null : value.toCharArray();
    }

    /** {@code url} without the user info of its authority. */
    static String stripUserInfo(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return url;
        }
        start += 3;
        int end = url.indexOf('/', start);
        String authority = end < 0 ? url.substring(start) : url.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        return url.substring(0, start) + authority.substring(at + 1)
                + (end < 0 ? "" : url.substring(end));
    }

    /** Lists the settings; never a password, token, key password or user-info secret. */
    @Override
    public String toString() {
        return description;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistrySettings other && rawUrl.equals(other.rawUrl)
                && properties.equals(other.properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rawUrl, properties);
    }

    /** How the client authenticates; {@link #toString()} hides the secret. */
    static final class Credentials {

        enum Kind { NONE, BASIC, BEARER }

        static final Credentials NONE = new Credentials(Kind.NONE, null, null, null, null);

        private final Kind kind;
        private final String user;
        private final String header;
        /** What the user should check when the registry refuses them, e.g. the key. */
        private final String check;
        /** Where the credentials come from, for descriptions. */
        private final String source;

        private Credentials(Kind kind, String user, String header, String check, String source) {
            this.kind = kind;
            this.user = user;
            this.header = header;
            this.check = check;
            this.source = source;
        }

        static Credentials basic(String user, String password, String check, String source) {
            if (user.isEmpty()) {
                throw new IllegalArgumentException("the user name in " + check + " is empty");
            }
            String token = Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8));
            return new Credentials(Kind.BASIC, user, "Basic " + token, check, source);
        }

        static Credentials bearer(String token) {
            return new Credentials(Kind.BEARER, null, "Bearer " + token, BEARER_AUTH_TOKEN,
                    BEARER_AUTH_TOKEN);
        }

        Kind kind() {
            return kind;
        }

        /** The user name of basic authentication; null otherwise. */
        String user() {
            return user;
        }

        /** The value of the {@code Authorization} header; null without credentials. */
        String authorization() {
            return header;
        }

        /** What to check when the registry refuses them, e.g. {@code basic.auth.user.info}. */
        String check() {
            return check;
        }

        @Override
        public String toString() {
            switch (kind) {
                case BASIC:
                    return "basic auth as '" + user + "' (" + source + ")";
                case BEARER:
                    return "bearer token (" + source + ")";
                default:
                    return "no authentication";
            }
        }
    }

    /** Resolved settings: what a client is built from. Not serializable, holds secrets. */
    record Resolved(String url, int otherUrls, Credentials credentials, SSLContext sslContext,
            boolean verifyHostname, RegistryTls.Store truststore, RegistryTls.Store keystore) {

        String describe() {
            StringBuilder text = new StringBuilder("RegistrySettings[url=").append(url)
                    .append(", ").append(credentials);
            if (truststore != null) {
                text.append(", truststore=").append(truststore);
            }
            if (keystore != null) {
                text.append(", keystore=").append(keystore);
            }
            if (!verifyHostname) {
                text.append(", hostname verification OFF");
            }
            return text.append(']').toString();
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
