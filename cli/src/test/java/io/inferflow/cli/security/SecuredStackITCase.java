package io.inferflow.cli.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferflow.cli.CliRun;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.cli.local.LocalMode;
import io.inferflow.cli.local.LocalSecurity;
import io.inferflow.cli.local.LocalSettings;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.Topics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product against a cluster secured as managed ones are: local mode's broker has one client
 * listener, SASL_SSL (SCRAM users made at format time, a CA and certificates made by keytool for
 * this test), and its registry requires basic auth over HTTPS. The job signs in with inline
 * secrets (so that redaction has something to hide), the CLI with a client.properties whose
 * secrets come through Kafka's FileConfigProvider, the third-party clients (Debian's
 * python3-confluent-kafka, npm's kafkajs) with SASL/PLAIN and the CA file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredStackITCase {

    private static final int EVENTS = 10_000;
    private static final int BAD_RECORDS = 7;
    private static final Path INTEROP = Path.of("..", "interop");

    @TempDir
    static Path dir;

    private static LocalSecurity security;
    private static LocalSettings settings;
    private static LocalMode local;
    private static final ByteArrayOutputStream CONSOLE = new ByteArrayOutputStream();
    private static FileAppender jobLog;
    private static Path clientProperties;
    private static KafkaClients kafka;
    private static RegistrySettings registry;

    @BeforeAll
    static void start() throws Exception {
        jobLog = captureInfoLogs(dir.resolve("job.log"));
        Path secure = dir.resolve("secure");
        // Made before local mode, which then uses them, so that this test knows the secrets.
        security = LocalSecurity.create(secure, LocalSecurity.Mode.SASL_SSL);
        Map<String, String> inlineSecrets = Map.of(
                "kafka.properties.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"" + LocalSecurity.USER + "\" password=\""
                        + security.kafkaPassword() + "\";",
                "registry.properties.basic.auth.user.info",
                LocalSecurity.USER + ":" + security.registryPassword());
        settings = new LocalSettings(Duration.ZERO, 0, List.of(), 2,
                EmbeddedKafka.freePort(), EmbeddedKafka.freePort(), EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(), Duration.ofMillis(500), Duration.ofSeconds(1),
                dir, dir.resolve("pipeline.log"), inlineSecrets, secure);
        local = new LocalMode(settings, new PrintStream(CONSOLE, true, StandardCharsets.UTF_8));
        local.start();
        clientProperties = security.clientPropertiesFile();
        kafka = new KafkaClients("127.0.0.1:" + settings.kafkaPort(), security.kafkaProperties());
        registry = security.registrySettings("https://localhost:" + settings.registryPort());
    }

    @AfterAll
    static void stop() {
        if (local != null) {
            local.close();
        }
        if (jobLog != null) {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            context.getConfiguration().getRootLogger().removeAppender(jobLog.getName());
            context.updateLoggers();
            jobLog.stop();
        }
    }

    @Test
    @Order(1)
    void topicsCreateIsIdempotentOnTheSecuredCluster() {
        CliRun first = CliRun.of("topics", "create", "--command-config",
                clientProperties.toString(), "--partitions", "2",
                "-Dtopics.features=secured-extra-features");
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().contains("created  secured-extra-features"), first.toString());
        assertTrue(first.out().matches("(?s).*exists   model-control .*cleanup.policy=compact.*"),
                first.toString());
        CliRun again = CliRun.of("topics", "create", "--command-config",
                clientProperties.toString(), "--partitions", "2",
                "-Dtopics.features=secured-extra-features");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("exists   secured-extra-features"), again.toString());
    }

    @Test
    @Order(2)
    void tenThousandEventsBecomeExactlyTenThousandPredictions() throws Exception {
        CliRun produce = CliRun.of("produce", "--command-config", clientProperties.toString(),
                "--model", "demo", "--width", "16", "--count", String.valueOf(EVENTS));
        assertEquals(0, produce.exit(), produce.toString());
        try (FeatureProducer bad = new FeatureProducer(
                kafka, new SchemaRegistryClient(registry), Topics.FEATURES)) {
            for (int i = 0; i < BAD_RECORDS; i++) {
                bad.sendRaw(("bad-" + i).getBytes(StandardCharsets.UTF_8),
                        ("not avro " + i).getBytes(StandardCharsets.UTF_8));
            }
            bad.flush();
        }

        List<Prediction> predictions = await(Topics.PREDICTIONS, Prediction.class,
                p -> !p.getEventId().startsWith("py-"), EVENTS);
        Set<String> ids = new HashSet<>();
        predictions.forEach(p -> ids.add(p.getEventId()));
        assertEquals(EVENTS, predictions.size(), "predictions (read_committed)");
        assertEquals(EVENTS, ids.size(), "distinct event ids: none scored twice");

        List<DeadLetter> deadLetters = await(Topics.DEAD_LETTERS, DeadLetter.class,
                d -> d.getTopic().equals(Topics.FEATURES), BAD_RECORDS);
        assertEquals(BAD_RECORDS, deadLetters.size());
        deadLetters.forEach(d -> assertEquals("BAD_MAGIC_BYTE", d.getErrorType(), d.toString()));
    }

    @Test
    @Order(3)
    void aModelPushedWithCommandConfigGoesActiveAndStatusReadsItBack() {
        CliRun push = CliRun.of("model", "push", "--command-config", clientProperties.toString(),
                "--name", "demo", "--version", "2", "--file", LocalMode.demoV2().toString(),
                "--timeout", "120");
        assertEquals(0, push.exit(), push.toString());
        assertTrue(push.out().contains("ACTIVE"), push.toString());
        CliRun status = CliRun.of("model", "status", "--command-config",
                clientProperties.toString());
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.out().contains("demo") && status.out().contains("v2"),
                status.toString());
    }

    @Test
    @Order(4)
    void thirdPartyClientsProduceAndReadOverSaslSsl() throws Exception {
        Path librdkafka = security.librdkafkaFile();
        String produced = run(List.of("/usr/bin/python3",
                INTEROP.resolve("produce-features.py").toString(), "--config",
                librdkafka.toString(), "--model", "demo", "--width", "16", "--count", "50",
                "--prefix", "py-"));
        assertEquals(50, produced.lines().count(), produced);
        List<Prediction> fromPython = await(Topics.PREDICTIONS, Prediction.class,
                p -> p.getEventId().startsWith("py-"), 50);
        assertEquals(50, fromPython.size());

        List<JsonNode> python = jsonLines(run(List.of("/usr/bin/python3",
                INTEROP.resolve("read-predictions.py").toString(), "--config",
                librdkafka.toString(), "--count", "20", "--timeout", "60")));
        List<JsonNode> node = jsonLines(run(List.of("node",
                INTEROP.resolve("node").resolve("read-predictions.mjs").toString(), "--config",
                librdkafka.toString(), "--count", "20", "--timeout", "60")));
        for (List<JsonNode> decoded : List.of(python, node)) {
            assertEquals(20, decoded.size());
            for (JsonNode p : decoded) {
                assertEquals("demo", p.get("model").asText(), p.toString());
                double score = p.get("scores").get(0).asDouble();
                assertTrue(score > 0 && score < 1, "sigmoid output " + p);
            }
        }
    }

    @Test
    @Order(5)
    void badCredentialsFailWithinSecondsNamingListenerAndMechanism() throws Exception {
        String bootstrap = "127.0.0.1:" + settings.kafkaPort();
        Map<String, String> good = new LinkedHashMap<>(security.kafkaProperties());

        CliRun plaintext = statusWith("plaintext", Map.of("bootstrap.servers", bootstrap));
        assertEquals(1, plaintext.exit(), plaintext.toString());
        assertTrue(plaintext.err().contains("expects TLS")
                && plaintext.err().contains("security.protocol=PLAINTEXT"), plaintext.toString());

        Map<String, String> wrongPassword = new LinkedHashMap<>(good);
        wrongPassword.put("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + LocalSecurity.USER + "\" password=\"not-the-password\";");
        wrongPassword.put("bootstrap.servers", bootstrap);
        CliRun refused = statusWith("wrong-password", wrongPassword);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("(SASL_SSL, SCRAM-SHA-512, user 'inferflow')")
                && refused.err().contains("refused the login"), refused.toString());

        Map<String, String> untrusted = new LinkedHashMap<>(good);
        untrusted.keySet().removeIf(k -> k.startsWith("ssl.truststore"));
        untrusted.put("bootstrap.servers", bootstrap);
        CliRun notTrusted = statusWith("untrusted", untrusted);
        assertEquals(1, notTrusted.exit(), notTrusted.toString());
        assertTrue(notTrusted.err().contains("TLS handshake with Kafka at " + bootstrap)
                && notTrusted.err().contains("ssl.truststore.location"), notTrusted.toString());

        Map<String, String> wrongRegistry = new LinkedHashMap<>(good);
        wrongRegistry.putAll(security.registryProperties());
        wrongRegistry.put("bootstrap.servers", bootstrap);
        wrongRegistry.put("schema.registry.url", "https://localhost:" + settings.registryPort());
        wrongRegistry.put("basic.auth.user.info", LocalSecurity.USER + ":not-the-password");
        Path file = write("wrong-registry", wrongRegistry);
        CliRun registryRefused = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliRun.of("produce", "--command-config", file.toString(), "--model",
                        "demo", "--width", "16", "--count", "1"));
        assertEquals(1, registryRefused.exit(), registryRefused.toString());
        assertTrue(registryRefused.err().contains("refused user 'inferflow'"),
                registryRefused.toString());
        assertFalse(registryRefused.err().contains("not-the-password"), registryRefused.toString());
    }

    @Test
    @Order(6)
    void noSecretReachesLogsStatusTopicMetricsOrTheRestApi() throws Exception {
        List<String> secrets = List.of(security.kafkaPassword(), security.registryPassword(),
                security.certificates().password());
        Map<String, String> places = new LinkedHashMap<>();
        jobLog.getManager().flush();
        places.put("job log " + dir.resolve("job.log"), Files.readString(dir.resolve("job.log")));
        places.put("console", CONSOLE.toString(StandardCharsets.UTF_8));
        places.put("model-status topic", rawValues(Topics.MODEL_STATUS));
        places.put("metrics", get("http://127.0.0.1:" + settings.metricsPort() + "/metrics"));
        String rest = "http://127.0.0.1:" + settings.webPort();
        places.put("/jobmanager/config", get(rest + "/jobmanager/config"));
        JsonNode jobs = new ObjectMapper().readTree(get(rest + "/jobs/overview")).get("jobs");
        assertTrue(jobs.size() >= 1, "jobs: " + jobs);
        for (JsonNode job : jobs) {
            String id = job.get("jid").asText();
            for (String path : List.of("", "/config", "/jobmanager/config", "/plan")) {
                places.put("/jobs/" + id + path, get(rest + "/jobs/" + id + path));
            }
        }
        assertTrue(places.get("job log " + dir.resolve("job.log")).contains("sasl.jaas.config"),
                "the captured log has the Kafka clients' configuration dumps");
        String jobConfig = places.get("/jobs/" + jobs.get(0).get("jid").asText()
                + "/jobmanager/config");
        assertTrue(jobConfig.contains("registry.properties.basic.auth.user.info"), jobConfig);
        for (Map.Entry<String, String> place : places.entrySet()) {
            for (String secret : secrets) {
                assertFalse(place.getValue().contains(secret),
                        "a secret appears in " + place.getKey());
            }
        }
    }

    private CliRun statusWith(String name, Map<String, String> props) throws Exception {
        Path file = write(name, props);
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliRun.of("model", "status", "--command-config", file.toString()));
    }

    private static Path write(String name, Map<String, String> props) throws Exception {
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return Files.writeString(dir.resolve(name + ".properties"), text);
    }

    /** Reads {@code topic} (read_committed) until {@code count} records match, then a little more. */
    private static <T> List<T> await(String topic, Class<T> type, Predicate<T> mine, int count)
            throws Exception {
        DeserializationSchema<T> decoder = deserializer(type);
        List<T> matching = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long quietUntil = Long.MAX_VALUE;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    T record = decoder.deserialize(r.value());
                    if (mine.test(record)) {
                        matching.add(record);
                    }
                }
                if (matching.size() >= count && quietUntil == Long.MAX_VALUE) {
                    // Two more checkpoints' worth: a duplicate would show up here.
                    quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                }
            }
        }
        return matching;
    }

    @SuppressWarnings("unchecked")
    private static <T> DeserializationSchema<T> deserializer(Class<T> type) {
        return (DeserializationSchema<T>) ConfluentAvroSchemas.deserializer(
                (Class) type, registry);
    }

    private static String rawValues(String topic) throws Exception {
        StringBuilder all = new StringBuilder();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    all.append(new String(r.value(), StandardCharsets.ISO_8859_1)).append('\n');
                }
            }
        }
        assertTrue(all.length() > 0, "no record on " + topic);
        return all.toString();
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new HashMap<>(kafka.with(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, process.exitValue(), command + " failed (run interop/install.sh and"
                + " interop/install-node.sh?):\n" + stderr + stdout);
        return stdout;
    }

    private static List<JsonNode> jsonLines(String text) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(mapper.readTree(line));
            }
        }
        return out;
    }

    /** Sends every INFO+ event of this JVM (Flink, Kafka, ours) to {@code file} as well. */
    private static FileAppender captureInfoLogs(Path file) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        FileAppender appender = FileAppender.newBuilder()
                .setName("secured-stack-job-log")
                .withFileName(file.toString())
                .setLayout(PatternLayout.newBuilder()
                        .withPattern("%d %-5p [%t] %c - %m%n%throwable").build())
                .build();
        appender.start();
        var root = context.getConfiguration().getRootLogger();
        context.getConfiguration().addAppender(appender);
        root.addAppender(appender, Level.INFO, null);
        // target/test.log keeps its WARN threshold while the root logger passes INFO.
        var testLog = context.getConfiguration().getAppender("file");
        if (testLog != null) {
            root.removeAppender("file");
            root.addAppender(testLog, Level.WARN, null);
        }
        root.setLevel(Level.INFO);
        context.updateLoggers();
        return appender;
    }
}
