package io.inferflow.jobs.kafka;

import io.inferflow.jobs.JobOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where and how the jobs and the CLI reach Kafka: the bootstrap servers and the client properties
 * (security, tuning) every client they create gets, Flink SQL's {@code properties.*} way.
 *
 * <p>In a job's configuration, {@code kafka.properties.<key>} applies to every client and {@code
 * kafka.source.properties.*}, {@code kafka.sink.properties.*} and {@code
 * kafka.control.properties.*} override it per {@link ClientRole}; the job's own defaults (e.g.
 * the sinks' {@code compression.type}) come first, and keys the job must own are refused ({@link
 * #check}). Values may use Kafka's config providers ({@code config.providers=file} and {@code
 * ${file:/path:key}}): they are handed to the clients unresolved, and each client resolves them
 * where it runs, so secrets stay in files or the environment.
 *
 * <pre>{@code
 * KafkaClients clients = KafkaClients.of(conf, ClientRole.SINK);
 * new KafkaProducer<>(clients.with(Map.of("acks", "all")), ...);
 * }</pre>
 *
 * @param bootstrapServers {@code host:port,...}
 * @param properties client properties, without {@code bootstrap.servers}
 */
public record KafkaClients(String bootstrapServers, Map<String, String> properties)
        implements Serializable {

    /** The prefix of properties for every client of a job. */
    public static final String COMMON_PREFIX = "kafka.properties.";

    /** The sinks' compression when nothing else is configured (see docs/BENCHMARKS.md). */
    public static final String DEFAULT_COMPRESSION = "gzip";

    /**
     * Properties the jobs set on every sink unless the configuration sets them; under {@code
     * delivery.mode: at-least-once} {@code linger.ms} is 0.
     */
    public static final Map<String, String> SINK_DEFAULTS =
            Map.of("linger.ms", "5", "compression.type", DEFAULT_COMPRESSION);

    public KafkaClients {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers are empty");
        }
        properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /** Plain connection to {@code bootstrapServers}, no properties. */
    public static KafkaClients plain(String bootstrapServers) {
        return new KafkaClients(bootstrapServers, Map.of());
    }

    /**
     * The clients of {@code role} in a job: its defaults, then {@code kafka.properties.*}, then
     * the role's {@code kafka.<role>.properties.*}.
     *
     * @throws IllegalArgumentException when a key the job owns is set ({@link #check})
     */
    public static KafkaClients of(Configuration conf, ClientRole role) {
        check(conf);
        return new KafkaClients(conf.get(JobOptions.BOOTSTRAP_SERVERS), merged(conf, role));
    }

    /** The clients that belong to no role (the admin client of the start-up checks). */
    public static KafkaClients common(Configuration conf) {
        check(conf);
        return new KafkaClients(
                conf.get(JobOptions.BOOTSTRAP_SERVERS), withPrefix(conf, COMMON_PREFIX));
    }

    /**
     * Refuses, naming each key and why, every client property the job must own: {@code
     * bootstrap.servers}, {@code group.id}, (de)serializers, {@code isolation.level} (the jobs
     * read committed), {@code transactional.id} and {@code transaction.timeout.ms} (from the
     * sink options), and {@code enable.idempotence=false} on exactly-once sinks.
     *
     * @throws IllegalArgumentException listing every refused key
     */
    public static void check(Configuration conf) {
        DeliveryGuarantee guarantee = conf.get(JobOptions.DELIVERY_GUARANTEE);
        Set<String> problems = new LinkedHashSet<>();
        for (String prefix : prefixes()) {
            for (Map.Entry<String, String> e : withPrefix(conf, prefix).entrySet()) {
                for (ClientRole role : rolesOf(prefix)) {
                    refusal(e.getKey(), e.getValue(), role, guarantee)
                            .ifPresent(why -> problems.add(
                                    "'" + prefix + e.getKey() + "' is not allowed: " + why));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Why {@code key=value} may not be set on a client of {@code role}, if it may not.
     *
     * @param guarantee the sinks' delivery guarantee
     */
    public static Optional<String> refusal(
            String key, String value, ClientRole role, DeliveryGuarantee guarantee) {
        switch (key) {
            case "bootstrap.servers":
                return Optional.of("set kafka.bootstrap-servers instead");
            case "key.serializer":
            case "value.serializer":
            case "key.deserializer":
            case "value.deserializer":
                return Optional.of("the jobs read and write Avro in the Confluent wire format"
                        + " with their own (de)serializers");
            default:
                break;
        }
        if (role == ClientRole.SINK) {
            switch (key) {
                case "transactional.id":
                    return Optional.of("the exactly-once sinks derive their transactional ids"
                            + " from kafka.sink.transactional-id-prefix");
                case "transaction.timeout.ms":
                    return Optional.of("set kafka.sink.transaction-timeout instead");
                case "enable.idempotence":
                    return guarantee == DeliveryGuarantee.EXACTLY_ONCE
                                    && "false".equalsIgnoreCase(value.strip())
                            ? Optional.of("delivery.mode is exactly-once, whose"
                                    + " transactions need idempotent producers")
                            : Optional.empty();
                default:
                    return Optional.empty();
            }
        }
        switch (key) {
            case "isolation.level":
                return Optional.of("the jobs read with read_committed, so that they never see"
                        + " records of aborted transactions");
            case "group.id":
                return Optional.of("set kafka.group-id instead; each source derives its group"
                        + " from it");
            default:
                return Optional.empty();
        }
    }

    /** The key prefixes of client properties in a job's configuration. */
    public static List<String> prefixes() {
        List<String> prefixes = new ArrayList<>();
        prefixes.add(COMMON_PREFIX);
        for (ClientRole role : ClientRole.values()) {
            prefixes.add(role.prefix());
        }
        return prefixes;
    }

    private static List<ClientRole> rolesOf(String prefix) {
        for (ClientRole role : ClientRole.values()) {
            if (role.prefix().equals(prefix)) {
                return List.of(role);
            }
        }
        return List.of(ClientRole.values());
    }

    private static Map<String, String> merged(Configuration conf, ClientRole role) {
        Map<String, String> merged = new LinkedHashMap<>();
        if (role == ClientRole.SINK) {
            merged.putAll(SINK_DEFAULTS);
            if (conf.get(JobOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.AT_LEAST_ONCE) {
                // At-least-once writes each prediction at once: no batching delay on top of the
                // micro-batch's (docs/concepts/latency.md).
                merged.put("linger.ms", "0");
            }
        }
        merged.putAll(withPrefix(conf, COMMON_PREFIX));
        merged.putAll(withPrefix(conf, role.prefix()));
        return merged;
    }

    /** The entries of {@code conf} under {@code prefix}, with the prefix taken off. */
    public static Map<String, String> withPrefix(Configuration conf, String prefix) {
        Map<String, String> out = new TreeMap<>();
        conf.toMap().forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** These properties plus {@code bootstrap.servers}, then {@code owned} (which wins). */
    public Map<String, Object> with(Map<String, ?> owned) {
        Map<String, Object> out = new LinkedHashMap<>(properties);
        out.put("bootstrap.servers", bootstrapServers);
        out.putAll(owned);
        return out;
    }

    /** {@link #properties()} as {@link Properties}, for Flink's Kafka builders. */
    public Properties asProperties() {
        Properties out = new Properties();
        out.putAll(properties);
        return out;
    }

    /** Masks every value: properties hold credentials. */
    @Override
    public String toString() {
        return "KafkaClients[" + bootstrapServers + ", properties " + properties.keySet() + "]";
    }
}
