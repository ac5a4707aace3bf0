package io.inferflow.cli.local;

import io.inferflow.schemas.registry.LocalRegistrySecurity;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.tls.LocalCertificates;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The credentials of a secured local stack and the files its clients use: a throw-away CA and
 * certificates ({@link LocalCertificates}), random passwords in {@code secrets.properties}, and
 * {@code client.properties}, a Kafka client.properties with Confluent's registry settings that
 * {@code pipeline ... --command-config} and Kafka's own tools read as they are. Secrets are never
 * written into {@code client.properties}: it reads them from {@code secrets.properties} through
 * Kafka's {@code FileConfigProvider}.
 *
 * <p>Two broker modes: {@link Mode#SASL_SSL} (one client listener, TLS with SCRAM-SHA-512,
 * SCRAM-SHA-256, PLAIN and OAUTHBEARER (unsecured JWTs, for tests)) and {@link Mode#MUTUAL_TLS}
 * (TLS with a required client certificate).
 */
public final class LocalSecurity {

    /** How the broker's client listener authenticates clients. */
    public enum Mode {
        SASL_SSL,
        MUTUAL_TLS
    }

    /** The user of the SASL mechanisms and of the registry's basic auth. */
    public static final String USER = "inferflow";

    private static final String BROKER_USER = "broker";
    private static final String FILE_PROVIDER =
            "org.apache.kafka.common.config.provider.FileConfigProvider";

    private final Mode mode;
    private final LocalCertificates certs;
    private final String kafkaPassword;
    private final String registryPassword;
    private final String brokerPassword;

    private LocalSecurity(Mode mode, LocalCertificates certs, String kafkaPassword,
            String registryPassword, String brokerPassword) {
        this.mode = mode;
        this.certs = certs;
        this.kafkaPassword = kafkaPassword;
        this.registryPassword = registryPassword;
        this.brokerPassword = brokerPassword;
    }

    /**
     * The certificates and passwords in {@code dir} if an earlier run left them there (so that
     * client configurations stay valid across restarts), else new ones; writes {@code
     * secrets.properties}.
     */
    public static LocalSecurity create(Path dir, Mode mode) throws IOException {
        Path secretsFile = dir.resolve("secrets.properties");
        if (Files.isRegularFile(secretsFile)) {
            Properties secrets = new Properties();
            try (java.io.Reader in = Files.newBufferedReader(secretsFile)) {
                secrets.load(in);
            }
            LocalCertificates certs =
                    new LocalCertificates(dir, secrets.getProperty("store.password"));
            if (Files.isRegularFile(certs.serverP12()) && Files.isRegularFile(certs.clientPem())
                    && secrets.getProperty("kafka.password") != null
                    && secrets.getProperty("registry.password") != null) {
                return new LocalSecurity(mode, certs, secrets.getProperty("kafka.password"),
                        secrets.getProperty("registry.password"), random());
            }
        }
        LocalCertificates certs = LocalCertificates.create(dir);
        LocalSecurity security = new LocalSecurity(mode, certs, random(), random(), random());
        Properties secrets = new Properties();
        secrets.setProperty("kafka.password", security.kafkaPassword);
        secrets.setProperty("registry.password", security.registryPassword);
        secrets.setProperty("store.password", certs.password());
        writePrivate(security.secretsFile(), secrets, "secrets of the local stack");
        return security;
    }

    public Mode mode() {
        return mode;
    }

    public LocalCertificates certificates() {
        return certs;
    }

    public Path dir() {
        return certs.dir();
    }

    /** {@code secrets.properties}: kafka.password, registry.password, store.password. */
    public Path secretsFile() {
        return dir().resolve("secrets.properties");
    }

    /** {@code client.properties}, written by {@link #writeClientProperties}. */
    public Path clientPropertiesFile() {
        return dir().resolve("client.properties");
    }

    /** {@code librdkafka.properties}: the same connection for librdkafka-based clients. */
    public Path librdkafkaFile() {
        return dir().resolve("librdkafka.properties");
    }

    /** The SASL user's password (for tests that need a wrong one). */
    public String kafkaPassword() {
        return kafkaPassword;
    }

    public String registryPassword() {
        return registryPassword;
    }

    /** The broker's listener, security and SCRAM settings for a client listener on {@code port}. */
    public Map<String, Object> brokerProperties(int port, int controllerPort) {
        Map<String, Object> props = new LinkedHashMap<>();
        String listener = mode == Mode.SASL_SSL ? "SASL_SSL" : "SSL";
        String name = listener.toLowerCase(java.util.Locale.ROOT);
        props.put("listeners", listener + "://127.0.0.1:" + port
                + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", listener + "://127.0.0.1:" + port);
        props.put("listener.security.protocol.map",
                listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", listener);
        props.put("ssl.keystore.location", certs.serverP12().toString());
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.password", certs.password());
        props.put("ssl.key.password", certs.password());
        props.put("ssl.truststore.location", certs.truststoreP12().toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", certs.password());
        if (mode == Mode.MUTUAL_TLS) {
            props.put("ssl.client.auth", "required");
            return props;
        }
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER");
        props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        String prefix = "listener.name." + name + ".";
        props.put(prefix + "plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + BROKER_USER + "\" password=\"" + brokerPassword + "\""
                        + " user_" + BROKER_USER + "=\"" + brokerPassword + "\""
                        + " user_" + USER + "=\"" + kafkaPassword + "\";");
        props.put(prefix + "scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put(prefix + "scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put(prefix + "oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                        + " unsecuredLoginStringClaim_sub=\"" + BROKER_USER + "\";");
        return props;
    }

    /** The SCRAM users to create when the broker's storage is formatted. */
    public List<String> scramArguments() {
        if (mode != Mode.SASL_SSL) {
            return List.of();
        }
        return List.of(
                "SCRAM-SHA-512=[name=" + USER + ",password=" + kafkaPassword + "]",
                "SCRAM-SHA-256=[name=" + USER + ",password=" + kafkaPassword + "]");
    }

    /**
     * Kafka client properties that sign in as {@link #USER} with SCRAM-SHA-512 (or with the
     * client certificate in {@link Mode#MUTUAL_TLS}), the password read by Kafka's {@code
     * FileConfigProvider} from {@link #secretsFile()}.
     */
    public Map<String, String> kafkaProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("config.providers", "file");
        props.put("config.providers.file.class", FILE_PROVIDER);
        props.put("ssl.truststore.location", certs.truststoreP12().toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", secret("store.password"));
        if (mode == Mode.MUTUAL_TLS) {
            props.put("security.protocol", "SSL");
            props.put("ssl.keystore.location", certs.clientP12().toString());
            props.put("ssl.keystore.type", "PKCS12");
            props.put("ssl.keystore.password", secret("store.password"));
            props.put("ssl.key.password", secret("store.password"));
            return props;
        }
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + USER + "\" password=\"" + secret("kafka.password") + "\";");
        return props;
    }

    /**
     * Confluent's registry client settings for a registry at {@code registryUrl} that requires
     * basic auth ({@link #USER}) over TLS with the local CA.
     */
    public Map<String, String> registryProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("basic.auth.credentials.source", "USER_INFO");
        props.put("basic.auth.user.info", USER + ":" + secret("registry.password"));
        props.put("schema.registry.ssl.truststore.location", certs.truststoreP12().toString());
        props.put("schema.registry.ssl.truststore.type", "PKCS12");
        props.put("schema.registry.ssl.truststore.password", secret("store.password"));
        return props;
    }

    /** What local mode's registry requires: basic auth of {@link #USER}, HTTPS with the local CA. */
    public LocalRegistrySecurity registrySecurity() throws IOException {
        return LocalRegistrySecurity.none().withUser(USER, registryPassword).withTls(certs);
    }

    /** Registry client settings for {@code url}, secrets by reference as in client.properties. */
    public RegistrySettings registrySettings(String url) {
        Map<String, String> props = new LinkedHashMap<>(registryProperties());
        kafkaProperties().forEach((k, v) -> {
            if (k.startsWith("config.providers")) {
                props.put(k, v);
            }
        });
        return RegistrySettings.fromProperties(url, props);
    }

    /**
     * Writes {@link #clientPropertiesFile()} (Kafka's client.properties plus Confluent's
     * registry settings; secrets by reference) and {@link #librdkafkaFile()} (librdkafka's
     * names, SASL/PLAIN, secrets inline, mode 600).
     */
    public void writeClientProperties(String bootstrapServers, String registryUrl)
            throws IOException {
        Properties client = new Properties();
        client.setProperty("bootstrap.servers", bootstrapServers);
        client.putAll(kafkaProperties());
        client.setProperty("schema.registry.url", registryUrl);
        client.putAll(registryProperties());
        writePrivate(clientPropertiesFile(), client,
                "Kafka client.properties with Confluent's registry settings for the local"
                        + " secured stack; secrets come from secrets.properties");
        Properties librdkafka = new Properties();
        librdkafka.setProperty("bootstrap.servers", bootstrapServers);
        librdkafka.setProperty("ssl.ca.location", certs.caPem().toString());
        if (mode == Mode.MUTUAL_TLS) {
            librdkafka.setProperty("security.protocol", "SSL");
            librdkafka.setProperty("ssl.certificate.location", certs.clientCertPem().toString());
            librdkafka.setProperty("ssl.key.location", certs.clientKeyPem().toString());
        } else {
            librdkafka.setProperty("security.protocol", "SASL_SSL");
            librdkafka.setProperty("sasl.mechanisms", "PLAIN");
            librdkafka.setProperty("sasl.username", USER);
            librdkafka.setProperty("sasl.password", kafkaPassword);
        }
        librdkafka.setProperty("schema.registry.url", registryUrl);
        librdkafka.setProperty("basic.auth.user.info", USER + ":" + registryPassword);
        writePrivate(librdkafkaFile(), librdkafka,
                "the local secured stack for librdkafka-based clients (confluent-kafka,"
                        + " kcat); secrets inline");
    }

    private String secret(String key) {
        return "${file:" + secretsFile() + ":" + key + "}";
    }

    /**
     * Writes {@code key=value} lines as they are (no escaping of ':' as {@link Properties#store}
     * does, for readers that are not Java), mode 600.
     */
    private static void writePrivate(Path file, Properties props, String comment)
            throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("# " + comment + "\n");
            for (String key : new java.util.TreeSet<>(props.stringPropertyNames())) {
                String value = props.getProperty(key);
                if (value.contains("\\") || value.contains("\n")) {
                    throw new IOException("cannot write " + key + " to " + file
                            + ": the value holds a backslash or a line break");
                }
                out.write(key + "=" + value + "\n");
            }
        }
    }

    private static String random() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
