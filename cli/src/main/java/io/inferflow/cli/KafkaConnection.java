package io.inferflow.cli;

import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.jobs.kafka.KafkaProbe;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code --bootstrap}, {@code --registry} and {@code --command-config} options of commands
 * that talk to Kafka. {@code --command-config} is a Kafka client.properties file, as Kafka's own
 * tools take it, which may also hold Confluent's Schema Registry client settings ({@code
 * schema.registry.url}, {@code basic.auth.*}, {@code bearer.auth.*}, {@code
 * schema.registry.ssl.*}): a user's existing file works unchanged. Its {@code bootstrap.servers}
 * and {@code schema.registry.url} are used unless {@code --bootstrap} / {@code --registry} are
 * given. Secrets in it may be {@code ${file:...}} or {@code ${env:...}} references through Kafka's
 * {@code config.providers}.
 */
final class KafkaConnection {

    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    static final String DEFAULT_REGISTRY = "http://localhost:8085";

    /** Prefixes of the registry's settings in a command-config file (Confluent's names). */
    static final List<String> REGISTRY_PREFIXES =
            List.of("schema.registry.", "basic.auth.", "bearer.auth.");

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: bootstrap.servers of"
                    + " --command-config, else " + DEFAULT_BOOTSTRAP + ").")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL",
            description = "Schema Registry URL (default: schema.registry.url of"
                    + " --command-config, else " + DEFAULT_REGISTRY + ").")
    String registry;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client.properties (security.protocol, sasl.*, ssl.*,"
                    + " config.providers...) with Confluent's registry settings"
                    + " (basic.auth.*, bearer.auth.*, schema.registry.ssl.*).")
    Path commandConfig;

    private Map<String, String> fileProperties;

    /** The properties of {@code --command-config}, empty without it. */
    Map<String, String> fileProperties() throws IOException {
        if (fileProperties == null) {
            fileProperties = commandConfig == null ? Map.of() : load(commandConfig);
        }
        return fileProperties;
    }

    /** Bootstrap servers and the Kafka client properties of {@code --command-config}. */
    KafkaClients clients() throws IOException {
        Map<String, String> kafka = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : fileProperties().entrySet()) {
            String key = e.getKey();
            if (REGISTRY_PREFIXES.stream().noneMatch(key::startsWith)
                    && !key.equals("bootstrap.servers")) {
                if (key.endsWith(".serializer") || key.endsWith(".deserializer")) {
                    throw new IllegalArgumentException("'" + key + "' in " + commandConfig
                            + " is not allowed: the commands read and write Avro in the"
                            + " Confluent wire format with their own (de)serializers");
                }
                kafka.put(key, e.getValue());
            }
        }
        String servers = bootstrap != null ? bootstrap
                : fileProperties().getOrDefault("bootstrap.servers", DEFAULT_BOOTSTRAP);
        return new KafkaClients(servers, kafka);
    }

    /**
     * {@link #clients()}, after checking within seconds that Kafka answers and accepts them.
     *
     * @throws io.inferflow.jobs.kafka.KafkaConnectionException saying what failed
     */
    KafkaClients checkedClients() throws IOException {
        KafkaClients clients = clients();
        KafkaProbe.topics(clients, Duration.ofSeconds(15));
        return clients;
    }

    /** The registry's URL: {@code --registry}, the file's {@code schema.registry.url}, or the default. */
    String registryUrl() throws IOException {
        if (registry != null) {
            return registry;
        }
        String fromFile = fileProperties().get("schema.registry.url");
        return fromFile != null ? fromFile.split(",")[0].strip() : DEFAULT_REGISTRY;
    }

    /**
     * The registry's URL with the file's credentials and TLS settings (Confluent's names);
     * {@code ${...}} references are resolved through the file's {@code config.providers}.
     */
    RegistrySettings registrySettings() throws IOException {
        Map<String, String> props = new TreeMap<>(fileProperties());
        props.remove("schema.registry.url");
        return RegistrySettings.fromProperties(registryUrl(), props).validate();
    }

    /** A registry client with {@link #registrySettings()}. */
    SchemaRegistryClient registryClient() throws IOException {
        return new SchemaRegistryClient(registrySettings());
    }

    static Map<String, String> load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--command-config " + file + " does not exist");
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        }
        Map<String, String> out = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            out.put(key, props.getProperty(key).strip());
        }
        return out;
    }
}
