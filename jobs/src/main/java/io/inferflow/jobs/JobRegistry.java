package io.inferflow.jobs;

import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.flink.configuration.Configuration;

import java.util.Map;

/**
 * The Schema Registry client settings of a job: {@code registry.url} and {@code
 * registry.properties.*} under Confluent's names ({@code basic.auth.credentials.source}, {@code
 * basic.auth.user.info}, {@code bearer.auth.token}, {@code schema.registry.ssl.*}). The Kafka
 * clients' {@code config.providers} (and {@code sasl.jaas.config}, for {@code
 * basic.auth.credentials.source=SASL_INHERIT}) apply here too unless set under {@code
 * registry.properties.}.
 */
public final class JobRegistry {

    /** The prefix of the registry client's properties in a job's configuration. */
    public static final String PREFIX = "registry.properties.";

    private JobRegistry() {}

    /**
     * @throws IllegalArgumentException naming a property that is not a registry setting, a
     *     missing file or an unresolvable reference
     */
    public static RegistrySettings settings(Configuration conf) {
        Map<String, String> props = KafkaClients.withPrefix(conf, PREFIX);
        if (props.containsKey("schema.registry.url")) {
            throw new IllegalArgumentException("'" + PREFIX + "schema.registry.url' is not"
                    + " allowed: set registry.url instead");
        }
        KafkaClients.withPrefix(conf, KafkaClients.COMMON_PREFIX).forEach((key, value) -> {
            if (key.startsWith("config.providers") || key.equals("sasl.jaas.config")) {
                props.putIfAbsent(key, value);
            }
        });
        return RegistrySettings.fromProperties(conf.get(JobOptions.REGISTRY_URL), props);
    }
}
