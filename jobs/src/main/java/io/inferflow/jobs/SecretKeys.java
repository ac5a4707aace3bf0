package io.inferflow.jobs;

import org.apache.flink.configuration.Configuration;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which configuration values are credentials, and a copy of a configuration without them. The
 * jobs hand their Kafka and registry settings to the clients they build; the configuration Flink
 * keeps with the job (shown by the web UI and the REST API, written to its logs) is the redacted
 * copy. Flink masks some keys itself ({@code password}, {@code token}, {@code jaas.config}...),
 * but not, e.g., Confluent's {@code basic.auth.user.info}.
 */
public final class SecretKeys {

    /** What Flink shows instead of a hidden value. */
    public static final String HIDDEN = "******";

    private static final List<String> SENSITIVE =
            List.of("password", "secret", "token", "jaas.config", "user.info", "keystore.key",
                    "apikey", "api.key", "api-key", "credential");

    private SecretKeys() {}

    /** Whether the value of {@code key} is (or may contain) a credential. */
    public static boolean isSensitive(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return SENSITIVE.stream().anyMatch(lower::contains)
                && !lower.endsWith(".credentials.source");
    }

    /**
     * A copy of {@code conf} in which every sensitive value is {@link #HIDDEN} and URLs lose their
     * user info ({@code https://user:password@host}).
     */
    public static Configuration redacted(Configuration conf) {
        Configuration copy = new Configuration();
        for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
            copy.setString(e.getKey(), redact(e.getKey(), e.getValue()));
        }
        return copy;
    }

    /** {@code value}, or {@link #HIDDEN} when it is a credential. */
    public static String redact(String key, String value) {
        if (value == null) {
            return null;
        }
        if (isSensitive(key)) {
            return HIDDEN;
        }
        if (value.contains("@") && value.contains("://")) {
            return withoutUserInfo(value);
        }
        return value;
    }

    /** {@code url} without {@code user:password@}; unchanged when it is no URL. */
    public static String withoutUserInfo(String url) {
        try {
            URI uri = URI.create(url.strip());
            if (uri.getRawUserInfo() == null) {
                return url;
            }
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(),
                    uri.getQuery(), uri.getFragment()).toString();
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            return url.replaceAll("//[^/@]*@", "//" + HIDDEN + "@");
        }
    }
}
