package io.inferflow.cli.control;

import io.inferflow.cli.CliRun;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model's input contract on a running job (embedded Kafka, the registry over HTTP, a
 * MiniCluster at parallelism 2, signed ONNX models): versions whose input differs from the serving
 * one's are REJECTED by every subtask with INCOMPATIBLE_SIGNATURE while v1 scores every event, the
 * same versions go ACTIVE when their record allows the change, and {@code pipeline model push}
 * refuses such a version before writing anything. One job serves both tests, each with its own
 * model.
 */
class InputContractITCase {

    private static final int PARALLELISM = 2;
    private static final int WIDTH = ControlTestKit.WIDTH;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;
    @TempDir static Path files;

    private static ControlTestKit kit;
    private static ModelControlClient control;
    private static JobClient job;

    @BeforeAll
    static void startJob() throws Exception {
        kit = new ControlTestKit(STACK, store, PARALLELISM);
        job = ControlTestKit.startInferenceJob(kit.conf(), PARALLELISM,
                "input-contract-it-" + kit.run);
        control = kit.client();
    }

    @AfterAll
    static void stop() throws Exception {
        ControlTestKit.stop(job, control);
    }

    @Test
    void incompatiblePushesAreRejectedWhileV1ScoresEveryEventUnlessTheChangeIsAllowed()
            throws Exception {
        Mlp v1 = Mlp.random(101, WIDTH, 32, 1);
        Mlp narrow = Mlp.random(102, WIDTH / 2, 32, 1);
        Mlp renamed = Mlp.random(103, WIDTH, 32, 1);
        int total = 24_000;
        try (TrackedProducer producer =
                new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                        kit.features, "fraud", WIDTH)) {
            ModelControlITCase.assertAllActive(
                    control.send(kit.deploy("fraud", 1, 1, v1), Duration.ofSeconds(60), s -> {}),
                    1);
            long renamedActiveAt = Long.MAX_VALUE;
            Pacer pacer = new Pacer(5_000);
            for (int i = 0; i < total; i++) {
                pacer.awaitNext();
                producer.send("c-" + i);
                if (i % 500 == 499) {
                    producer.flush();
                }
                if (i == 6_000) {
                    // What the CLI would refuse, written directly: the file declares its own
                    // input, as push computes it, so only the contract can catch it.
                    assertAllRejected(
                            send(declaring(kit.deploy("fraud", 2, 2, narrow.toOnnx("features")),
                                    "features", WIDTH / 2, false)),
                            "INCOMPATIBLE_SIGNATURE: model 'fraud' v2 takes 8 features, v1"
                                    + " serving now takes 16");
                }
                if (i == 10_000) {
                    assertAllRejected(
                            send(declaring(kit.deploy("fraud", 3, 3, renamed.toOnnx("x")),
                                    "x", WIDTH, false)),
                            "INCOMPATIBLE_SIGNATURE: model 'fraud' v3's input is named 'x', v1"
                                    + " serving now reads 'features'");
                }
                if (i == 16_000) {
                    // The same push, allowing the change: 16 features still, so every event
                    // keeps being scored, by v3 from now on.
                    ModelControlITCase.assertAllActive(
                            send(declaring(kit.deploy("fraud", 3, 4, renamed.toOnnx("x")),
                                    "x", WIDTH, true)),
                            3);
                    renamedActiveAt = System.currentTimeMillis();
                }
            }
            producer.flush();

            Map<String, Scored> scored = readPredictions(total);
            assertEquals(producer.sent().keySet(), scored.keySet(), "one prediction per event");
            assertEquals(0, deadLetters(), "dead letters");
            int byV3 = 0;
            for (TrackedProducer.Sent sent : producer.sent().values()) {
                Scored s = scored.get(sent.id());
                assertTrue(s.version == 1 || s.version == 3, sent.id() + " scored by v" + s.version);
                if (sent.sentAt() > renamedActiveAt) {
                    assertEquals(3, s.version, sent.id() + " sent after v3 was ACTIVE everywhere");
                }
                Mlp expected = s.version == 3 ? renamed : v1;
                assertEquals(expected.forward(sent.row())[0], s.score, 1e-5, sent.id());
                byV3 += s.version == 3 ? 1 : 0;
            }
            assertTrue(byV3 > 0 && byV3 < total, "scored by v3: " + byV3);

            // The 8-wide version, allowed: it goes ACTIVE too, and serves 8-feature events.
            ModelControlITCase.assertAllActive(
                    send(declaring(kit.deploy("fraud", 2, 5, narrow.toOnnx("features")),
                            "features", WIDTH / 2, true)),
                    2);
        }
        try (TrackedProducer narrowProducer =
                new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                        kit.features, "fraud", WIDTH / 2)) {
            for (int i = 0; i < 100; i++) {
                narrowProducer.send("n-" + i);
            }
            narrowProducer.flush();
            Map<String, Scored> scored = readPredictions(total + 100);
            for (TrackedProducer.Sent sent : narrowProducer.sent().values()) {
                Scored s = scored.get(sent.id());
                assertEquals(2, s.version, sent.id());
                assertEquals(narrow.forward(sent.row())[0], s.score, 1e-5, sent.id());
            }
            assertEquals(0, deadLetters(), "dead letters");
        }
    }

    @Test
    void pushRefusesAnIncompatibleVersionBeforeWritingAndPushesItWhenAllowed() throws Exception {
        Path key = files.resolve("ops.key");
        Ed25519.writeKeyPair(kit.key, key, files.resolve("ops.pub"));
        Path wide = write("churn-v1.onnx", Mlp.random(201, WIDTH, 8, 1).toOnnx("features"));
        Path narrow = write("churn-v2.onnx", Mlp.random(202, 8, 8, 1).toOnnx("features"));
        Path renamed = write("churn-v3.onnx", Mlp.random(203, 8, 8, 1).toOnnx("x"));

        CliRun v1 = push("1", wide);
        assertEquals(0, v1.exit(), v1.toString());
        assertTrue(v1.out().contains("2 of 2 subtasks ACTIVE"), v1.toString());

        int records = controlRecords();
        CliRun refused = push("2", narrow);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains(
                        "error: model 'churn' v2 takes 8 features, v1 serving now takes 16; push"
                                + " with --allow-signature-change to change the model's input on"
                                + " purpose"),
                refused.toString());
        assertFalse(refused.out().contains("DEPLOY"), refused.toString());
        assertEquals(records, controlRecords(), "nothing written to the control topic");
        assertFalse(storeHasVersion("churn", 2), "nothing copied into the store");

        CliRun allowed = push("2", narrow, "--allow-signature-change");
        assertEquals(0, allowed.exit(), allowed.toString());
        assertTrue(allowed.out().contains("2 of 2 subtasks ACTIVE"), allowed.toString());
        // The version's VERSION record and its DEPLOY.
        assertEquals(records + 2, controlRecords());
        CliRun status = status();
        assertTrue(status.out().contains(
                        "churn: desired DEPLOY v2 (generation 2, FP32, by ")
                        && status.out().contains(", signature change allowed)"),
                status.toString());

        // A rollback to v1 crosses the change back: refused too, unless allowed.
        CliRun rollback = CliRun.of(connection("model", "rollback", "--name", "churn",
                "--to", "1"));
        assertEquals(1, rollback.exit(), rollback.toString());
        assertTrue(rollback.err().contains(
                        "error: model 'churn' v1 takes 16 features, v2 serving now takes 8; roll"
                                + " back with --allow-signature-change to change the model's"
                                + " input on purpose"),
                rollback.toString());
        assertEquals(records + 2, controlRecords(), "nothing written to the control topic");

        // What the CLI refuses, written directly: the job rejects it and status shows why.
        CliRun rename = push("3", renamed);
        assertEquals(1, rename.exit(), rename.toString());
        assertTrue(rename.err().contains(
                "model 'churn' v3's input is named 'x', v2 serving now reads 'features'"),
                rename.toString());
        assertAllRejected(
                send(declaring(kit.deploy("churn", 3, 3, Files.readAllBytes(renamed)),
                        "x", 8, false)),
                "INCOMPATIBLE_SIGNATURE: model 'churn' v3's input is named 'x', v2 serving now"
                        + " reads 'features'");
        status = status();
        assertFalse(status.out().contains("signature change allowed"), status.toString());
        assertEquals(2, status.out().lines()
                        .filter(l -> l.contains("REJECTED v3 gen 3 — INCOMPATIBLE_SIGNATURE:"
                                + " model 'churn' v3's input is named 'x', v2 serving now reads"
                                + " 'features'"))
                        .count(),
                status.toString());

        CliRun back = CliRun.of(connection("model", "rollback", "--name", "churn", "--to", "1",
                "--allow-signature-change"));
        assertEquals(0, back.exit(), back.toString());
        assertTrue(back.out().contains("2 of 2 subtasks ACTIVE"), back.toString());
    }

    // --- helpers

    private static CliRun push(String version, Path file, String... more) {
        String[] args = connection("model", "push", "--name", "churn", "--version", version,
                "--file", file.toString(), "--store", store.toString(),
                "--key", files.resolve("ops.key").toString(), "--issued-by", "it");
        return CliRun.of(Stream.concat(Stream.of(args), Stream.of(more)).toArray(String[]::new));
    }

    private static CliRun status() {
        CliRun status = CliRun.of(connection("model", "status", "--name", "churn"));
        assertEquals(0, status.exit(), status.toString());
        return status;
    }

    private static String[] connection(String... command) {
        return kit.cli(command);
    }

    private static Path write(String name, byte[] bytes) throws Exception {
        return Files.write(files.resolve(name), bytes);
    }

    private static boolean storeHasVersion(String model, long version) throws Exception {
        Path dir = store.resolve(model);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> listed = Files.list(dir)) {
            return listed.anyMatch(p -> p.getFileName().toString().startsWith("v" + version + "-"));
        }
    }

    private static int controlRecords() {
        return readCommitted(STACK.kafka().bootstrapServers(), kit.control, 0, Duration.ZERO,
                Duration.ofSeconds(1)).size();
    }

    private static int deadLetters() {
        return readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0, Duration.ZERO,
                Duration.ofSeconds(1)).size();
    }

    /** {@code record} declaring this input, and allowing a signature change or not. */
    private static ModelControl declaring(
            ModelControl record, String inputName, int inputWidth, boolean allowChange) {
        record.setInputName(inputName);
        record.setInputWidth(inputWidth);
        record.setAllowSignatureChange(allowChange);
        return record;
    }

    private static Map<Integer, ModelStatus> send(ModelControl record) throws Exception {
        return control.send(record, Duration.ofSeconds(60), s -> {});
    }

    private static void assertAllRejected(Map<Integer, ModelStatus> finals, String reason) {
        assertEquals(PARALLELISM, finals.size(), "subtasks reporting: " + finals);
        for (ModelStatus s : finals.values()) {
            assertEquals(ModelState.REJECTED, s.getState(), s.toString());
            assertEquals(reason, s.getReason(), s.toString());
        }
    }

    /** One prediction as read back. */
    private record Scored(long version, float score) {}

    private static Map<String, Scored> readPredictions(int expected) throws Exception {
        Map<String, Scored> out = new HashMap<>();
        predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                expected).forEach((id, p) -> out.put(id,
                        new Scored((Long) p.get("model_version"), firstScore(p))));
        return out;
    }
}
