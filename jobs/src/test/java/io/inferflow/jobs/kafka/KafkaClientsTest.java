package io.inferflow.jobs.kafka;

import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.KnownOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaClientsTest {

    private static Configuration conf(String... keyValues) {
        Configuration conf = new Configuration();
        for (int i = 0; i < keyValues.length; i += 2) {
            conf.setString(keyValues[i], keyValues[i + 1]);
        }
        return conf;
    }

    @Test
    void roleOverridesCommonWhichOverridesTheDefaults() {
        Configuration conf = conf(
                "kafka.bootstrap-servers", "broker-1:9093",
                "kafka.properties.security.protocol", "SASL_SSL",
                "kafka.properties.linger.ms", "20",
                "kafka.properties.compression.type", "zstd",
                "kafka.sink.properties.compression.type", "snappy",
                "kafka.source.properties.fetch.min.bytes", "1024",
                "kafka.control.properties.security.protocol", "SSL");

        KafkaClients sink = KafkaClients.of(conf, ClientRole.SINK);
        assertEquals("broker-1:9093", sink.bootstrapServers());
        assertEquals("snappy", sink.properties().get("compression.type"), "role over common");
        assertEquals("20", sink.properties().get("linger.ms"), "common over the sinks' default");
        assertEquals("SASL_SSL", sink.properties().get("security.protocol"));
        assertFalse(sink.properties().containsKey("fetch.min.bytes"), "a source property");

        KafkaClients source = KafkaClients.of(conf, ClientRole.SOURCE);
        assertEquals("1024", source.properties().get("fetch.min.bytes"));
        assertEquals("zstd", source.properties().get("compression.type"), "common applies");
        assertEquals("20", source.properties().get("linger.ms"), "common applies");

        KafkaClients control = KafkaClients.of(conf, ClientRole.CONTROL);
        assertEquals("SSL", control.properties().get("security.protocol"));
        assertFalse(control.properties().containsKey("fetch.min.bytes"));
    }

    @Test
    void sinksGetTheDefaultCompressionWhenNothingIsSet() {
        KafkaClients sink = KafkaClients.of(conf(), ClientRole.SINK);
        assertEquals(KafkaClients.DEFAULT_COMPRESSION, sink.properties().get("compression.type"));
        assertEquals("5", sink.properties().get("linger.ms"));
        assertFalse(KafkaClients.of(conf(), ClientRole.SOURCE).properties()
                .containsKey("compression.type"), "defaults are the sinks' only");
    }

    @Test
    void ownedKeysWinOverProperties() {
        KafkaClients clients = new KafkaClients("b:1", Map.of("isolation.level", "x", "a", "1"));
        Map<String, Object> merged = clients.with(Map.of("isolation.level", "read_committed"));
        assertEquals("read_committed", merged.get("isolation.level"));
        assertEquals("b:1", merged.get("bootstrap.servers"));
        assertEquals("1", merged.get("a"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "kafka.properties.bootstrap.servers, other:9092, set kafka.bootstrap-servers instead",
        "kafka.source.properties.bootstrap.servers, other:9092, set kafka.bootstrap-servers",
        "kafka.properties.key.serializer, x.Y, their own (de)serializers",
        "kafka.sink.properties.value.serializer, x.Y, their own (de)serializers",
        "kafka.source.properties.value.deserializer, x.Y, their own (de)serializers",
        "kafka.control.properties.key.deserializer, x.Y, their own (de)serializers",
        "kafka.sink.properties.transactional.id, tx-1, kafka.sink.transactional-id-prefix",
        "kafka.properties.transactional.id, tx-1, kafka.sink.transactional-id-prefix",
        "kafka.sink.properties.transaction.timeout.ms, 60000, kafka.sink.transaction-timeout",
        "kafka.sink.properties.enable.idempotence, false, need idempotent producers",
        "kafka.properties.enable.idempotence, FALSE, need idempotent producers",
        "kafka.control.properties.isolation.level, read_uncommitted, read_committed",
        "kafka.source.properties.isolation.level, read_uncommitted, read_committed",
        "kafka.properties.isolation.level, read_committed, read_committed",
        "kafka.source.properties.group.id, g, set kafka.group-id instead",
        "kafka.control.properties.group.id, g, set kafka.group-id instead",
    })
    void refusesKeysTheJobOwns(String key, String value, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.check(conf(key, value)));
        assertTrue(e.getMessage().contains("'" + key + "' is not allowed"), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.of(conf(key, value), ClientRole.SINK));
    }

    @Test
    void allowsWhatTheJobDoesNotOwn() {
        assertDoesNotThrow(() -> KafkaClients.check(conf(
                "kafka.sink.properties.enable.idempotence", "true",
                "kafka.sink.properties.isolation.level", "read_committed",
                "kafka.sink.properties.group.id", "ignored-by-producers",
                "kafka.source.properties.transactional.id", "ignored-by-consumers",
                "kafka.properties.sasl.jaas.config", "x required;",
                "kafka.properties.config.providers", "file")));
        Configuration atLeastOnce = conf("kafka.sink.properties.enable.idempotence", "false");
        atLeastOnce.set(JobOptions.DELIVERY_GUARANTEE, DeliveryGuarantee.AT_LEAST_ONCE);
        assertDoesNotThrow(() -> KafkaClients.check(atLeastOnce));
    }

    @Test
    void atLeastOnceSinksWriteAtOnceUnlessConfiguredOtherwise() {
        Configuration conf = conf();
        assertEquals("5", KafkaClients.of(conf, ClientRole.SINK).properties().get("linger.ms"));
        conf.set(JobOptions.DELIVERY_GUARANTEE, DeliveryGuarantee.AT_LEAST_ONCE);
        assertEquals("0", KafkaClients.of(conf, ClientRole.SINK).properties().get("linger.ms"));
        assertEquals(null, KafkaClients.of(conf, ClientRole.SOURCE).properties().get("linger.ms"));
        conf.setString("kafka.sink.properties.linger.ms", "2");
        assertEquals("2", KafkaClients.of(conf, ClientRole.SINK).properties().get("linger.ms"));
    }

    @Test
    void listsEveryRefusedKeyAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.check(conf(
                        "kafka.sink.properties.transactional.id", "t",
                        "kafka.control.properties.isolation.level", "read_uncommitted")));
        assertTrue(e.getMessage().contains("transactional.id")
                && e.getMessage().contains("isolation.level"), e.getMessage());
    }

    @Test
    void propertyKeysAreKnownOptionsButTyposBesideThemAreNot() {
        assertDoesNotThrow(() -> KnownOptions.checkKeys(conf(
                "kafka.properties.security.protocol", "SASL_SSL",
                "kafka.sink.properties.compression.type", "zstd",
                "registry.properties.basic.auth.user.info", "u:p")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KnownOptions.checkKeys(conf("kafka.propertie.security.protocol", "SSL")));
        assertTrue(e.getMessage().contains("unknown option 'kafka.propertie.security.protocol'"),
                e.getMessage());
    }

    @Test
    void toStringShowsKeysNotValues() {
        KafkaClients clients = new KafkaClients("b:1", Map.of("sasl.jaas.config",
                "x required username=\"u\" password=\"hunter2\";"));
        assertFalse(clients.toString().contains("hunter2"), clients.toString());
        assertTrue(clients.toString().contains("sasl.jaas.config"));
    }

    @Test
    void describesTheConnectionWithoutItsSecrets() {
        KafkaClients clients = new KafkaClients("b:1", Map.of(
                "security.protocol", "sasl_ssl",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"alice\" password=\"hunter2\";"));
        assertEquals("Kafka at b:1 (SASL_SSL, SCRAM-SHA-512, user 'alice')",
                KafkaProbe.describe(clients));
    }
}
