package io.inferflow.cli.security;

import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.cli.local.LocalSecurity;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.jobs.kafka.KafkaConnectionException;
import io.inferflow.jobs.kafka.KafkaProbe;
import io.inferflow.schemas.tls.LocalCertificates;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every client security setting the product documents, against real secured listeners of the
 * embedded broker: each SASL mechanism over TLS, each trust-store format, and mutual TLS with
 * each key-store format. A record goes through a topic each time, with the clients built from
 * {@link KafkaClients} as the jobs and the CLI build them.
 */
class KafkaSecurityITCase {

    private static final String JAAS_SCRAM =
            "org.apache.kafka.common.security.scram.ScramLoginModule required";

    /** A broker whose only client listener is secured by {@link #mode()}, per nested class. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class SecuredBroker {

        LocalSecurity security;
        EmbeddedKafka kafka;

        abstract LocalSecurity.Mode mode();

        @BeforeAll
        void start(@TempDir Path dir) throws Exception {
            security = LocalSecurity.create(dir, mode());
            kafka = EmbeddedKafka.start(0, security);
        }

        @AfterAll
        void stop() {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Nested
    class SaslSsl extends SecuredBroker {

        @Override
        LocalSecurity.Mode mode() {
            return LocalSecurity.Mode.SASL_SSL;
        }

        @ParameterizedTest
        @ValueSource(strings = {"SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN", "OAUTHBEARER"})
        void everyMechanismSignsIn(String mechanism) throws Exception {
            Map<String, String> props = trustPkcs12(security.certificates());
            props.put("security.protocol", "SASL_SSL");
            props.put("sasl.mechanism", mechanism);
            props.put("sasl.jaas.config", switch (mechanism) {
                case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"inferflow\" password=\"" + security.kafkaPassword() + "\";";
                case "OAUTHBEARER" -> "org.apache.kafka.common.security.oauthbearer"
                        + ".OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"inferflow\";";
                default -> JAAS_SCRAM + " username=\"inferflow\" password=\""
                        + security.kafkaPassword() + "\";";
            });
            roundTrip(kafka, new KafkaClients(kafka.bootstrapServers(), props));
        }

        @ParameterizedTest
        @ValueSource(strings = {"PKCS12", "JKS", "PEM"})
        void everyTrustStoreFormatWorks(String type) throws Exception {
            LocalCertificates certs = security.certificates();
            Map<String, String> props = new LinkedHashMap<>(security.kafkaProperties());
            props.keySet().removeIf(k -> k.startsWith("ssl.truststore"));
            store(props, "ssl.truststore.", type, certs.password(),
                    switch (type) {
                        case "PEM" -> certs.caPem();
                        case "JKS" -> certs.truststoreJks();
                        default -> certs.truststoreP12();
                    });
            roundTrip(kafka, new KafkaClients(kafka.bootstrapServers(), props));
        }

        @Test
        void anUnknownUserIsRefusedWithinSeconds() {
            Map<String, String> props = new LinkedHashMap<>(security.kafkaProperties());
            props.put("sasl.jaas.config", JAAS_SCRAM + " username=\"mallory\" password=\"x\";");
            KafkaConnectionException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(KafkaConnectionException.class, () -> KafkaProbe.topics(
                            new KafkaClients(kafka.bootstrapServers(), props),
                            Duration.ofSeconds(15))));
            assertTrue(e.getMessage().contains("(SASL_SSL, SCRAM-SHA-512, user 'mallory')")
                    && e.getMessage().contains("refused the login"), e.getMessage());
        }
    }

    @Nested
    class MutualTls extends SecuredBroker {

        @Override
        LocalSecurity.Mode mode() {
            return LocalSecurity.Mode.MUTUAL_TLS;
        }

        @ParameterizedTest
        @ValueSource(strings = {"PKCS12", "JKS", "PEM"})
        void aClientCertificateInEveryKeyStoreFormatSignsIn(String type) throws Exception {
            LocalCertificates certs = security.certificates();
            Map<String, String> props = trustPkcs12(certs);
            props.put("security.protocol", "SSL");
            store(props, "ssl.keystore.", type, certs.password(),
                    switch (type) {
                        case "PEM" -> certs.clientPem();
                        case "JKS" -> certs.clientJks();
                        default -> certs.clientP12();
                    });
            if (!type.equals("PEM")) {
                props.put("ssl.key.password", certs.password());
            }
            roundTrip(kafka, new KafkaClients(kafka.bootstrapServers(), props));
        }

        @Test
        void withoutAClientCertificateTheHandshakeFailsWithinSeconds() {
            Map<String, String> props = trustPkcs12(security.certificates());
            props.put("security.protocol", "SSL");
            KafkaConnectionException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(KafkaConnectionException.class, () -> KafkaProbe.topics(
                            new KafkaClients(kafka.bootstrapServers(), props),
                            Duration.ofSeconds(15))));
            assertTrue(e.getMessage().contains("TLS handshake with Kafka at "
                    + kafka.bootstrapServers() + " (SSL)"), e.getMessage());
        }
    }

    /** {@code <prefix>type}, {@code location} and (but for PEM) {@code password}. */
    private static void store(Map<String, String> props, String prefix, String type,
            String password, Path location) {
        props.put(prefix + "type", type);
        props.put(prefix + "location", location.toString());
        if (!type.equals("PEM")) {
            props.put(prefix + "password", password);
        }
    }

    private static Map<String, String> trustPkcs12(LocalCertificates certs) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ssl.truststore.location", certs.truststoreP12().toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", certs.password());
        return props;
    }

    /** Creates a topic, writes a record and reads it back, all with {@code clients}. */
    private static void roundTrip(EmbeddedKafka kafka, KafkaClients clients) throws Exception {
        String topic = "secured-" + UUID.randomUUID();
        assertTrue(KafkaProbe.topics(clients, Duration.ofSeconds(20)) instanceof Set);
        EmbeddedKafka.createTopics(clients, 1, Map.of(), topic);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                clients.with(Map.of("acks", "all")), new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                clients.with(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, String>> read = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertEquals(1, read.size());
            assertEquals("v", read.get(0).value());
        }
    }
}
