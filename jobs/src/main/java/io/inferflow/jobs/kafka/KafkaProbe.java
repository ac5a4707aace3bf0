package io.inferflow.jobs.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Connects to Kafka once, the way the clients of a {@link KafkaClients} would, and turns what
 * goes wrong into one sentence naming the brokers, the security protocol, the SASL mechanism and
 * the user: a wrong password or an untrusted certificate fails within seconds instead of a client
 * retrying until its timeout, and a client speaking plaintext to a TLS listener is told so.
 *
 * <pre>{@code
 * Set<String> topics = KafkaProbe.topics(clients, Duration.ofSeconds(15));
 * }</pre>
 */
public final class KafkaProbe {

    private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private KafkaProbe() {}

    /**
     * The topics the cluster lists to these credentials.
     *
     * @throws KafkaConnectionException naming what failed: authentication (SASL or TLS), the
     *     cluster not answering within {@code timeout}, or a TLS listener reached in plaintext
     */
    public static Set<String> topics(KafkaClients clients, Duration timeout)
            throws KafkaConnectionException {
        int millis = (int) Math.max(1_000, timeout.toMillis());
        Map<String, Object> props = clients.with(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 1_000));
        try (Admin admin = Admin.create(props)) {
            return admin.listTopics(new ListTopicsOptions().timeoutMs(millis))
                    .names()
                    .get(millis + 2_000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw explain(clients, e.getCause());
        } catch (TimeoutException e) {
            throw explain(clients, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaConnectionException("interrupted while connecting to "
                    + describe(clients), e);
        } catch (org.apache.kafka.common.KafkaException e) {
            // a configuration the client refuses (e.g. a keystore file that does not exist)
            throw new KafkaConnectionException("cannot create a Kafka client for "
                    + describe(clients) + ": " + rootMessage(e), e);
        }
    }

    /** One sentence for {@code failure} of a client of {@code clients}. */
    static KafkaConnectionException explain(KafkaClients clients, Throwable failure) {
        String who = describe(clients);
        if (failure instanceof SaslAuthenticationException) {
            return new KafkaConnectionException(who + " refused the login: "
                    + failure.getMessage() + "; check sasl.jaas.config", failure);
        }
        if (failure instanceof SslAuthenticationException) {
            return new KafkaConnectionException("TLS handshake with " + who + " failed: "
                    + rootMessage(failure) + "; if the broker's certificate is not trusted, set"
                    + " ssl.truststore.location (or ssl.truststore.type=PEM with the CA"
                    + " certificate); if the broker requires client certificates, set"
                    + " ssl.keystore.location", failure);
        }
        if (failure instanceof AuthenticationException) {
            return new KafkaConnectionException(who + " refused the connection: "
                    + rootMessage(failure), failure);
        }
        if (failure instanceof AuthorizationException) {
            return new KafkaConnectionException(who + " signed in but is not authorized: "
                    + failure.getMessage() + "; grant the user's ACLs (Describe on the cluster"
                    + " and the topics)", failure);
        }
        String protocol = protocol(clients);
        if (!protocol.contains("SSL") && speaksTls(clients.bootstrapServers())) {
            return new KafkaConnectionException(who + " did not answer: the broker expects TLS"
                    + " but the client uses security.protocol=" + protocol + "; set"
                    + " security.protocol=SASL_SSL (or SSL) and its credentials", failure);
        }
        return new KafkaConnectionException(who + " did not answer: " + rootMessage(failure)
                + "; check that the brokers are reachable and that security.protocol and"
                + " sasl.mechanism match the listener", failure);
    }

    /** {@code Kafka at host:port (SASL_SSL, SCRAM-SHA-512, user 'alice')}: never a secret. */
    public static String describe(KafkaClients clients) {
        String protocol = protocol(clients);
        StringBuilder out = new StringBuilder("Kafka at ")
                .append(clients.bootstrapServers()).append(" (").append(protocol);
        if (protocol.startsWith("SASL")) {
            out.append(", ").append(clients.properties().getOrDefault("sasl.mechanism", "GSSAPI"));
            Matcher user = JAAS_USER.matcher(
                    clients.properties().getOrDefault("sasl.jaas.config", ""));
            if (user.find()) {
                out.append(", user '").append(user.group(1)).append("'");
            }
        }
        return out.append(")").toString();
    }

    private static String protocol(KafkaClients clients) {
        return clients.properties().getOrDefault("security.protocol", "PLAINTEXT")
                .strip().toUpperCase(Locale.ROOT);
    }

    /** Whether the first bootstrap server completes a TLS handshake (trusting anything). */
    static boolean speaksTls(String bootstrapServers) {
        String first = bootstrapServers.split(",")[0].strip();
        int colon = first.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        String host = first.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(first.substring(colon + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustAll()}, null);
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(host, port), 3_000);
                plain.setSoTimeout(3_000);
                try (SSLSocket tls = (SSLSocket) context.getSocketFactory()
                        .createSocket(plain, host, port, true)) {
                    tls.startHandshake();
                    return true;
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getMessage();
        return root == t ? message : t.getMessage() + " (" + message + ")";
    }

    /** For the TLS probe only: it learns whether the port speaks TLS, and sends nothing. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
