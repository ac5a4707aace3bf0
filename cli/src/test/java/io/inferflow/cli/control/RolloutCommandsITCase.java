package io.inferflow.cli.control;

import io.inferflow.cli.CliRun;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.kafka.AvroWireEncoder;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pipeline model push --canary/--shadow}, {@code promote}, {@code abort} and {@code status}
 * against an embedded broker and registry, without a job: the records they write ({@code
 * --no-wait}) and how status shows candidate statuses and the judge's reports written here. Each
 * test has its own model.
 */
class RolloutCommandsITCase {

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;
    @TempDir static Path files;

    private static ControlTestKit kit;
    private static Path v1;
    private static Path v2;

    @BeforeAll
    static void setUp() throws Exception {
        kit = new ControlTestKit(STACK, store, 1);
        Ed25519.writeKeyPair(kit.key, files.resolve("ops.key"), files.resolve("ops.pub"));
        v1 = Files.write(files.resolve("v1.onnx"),
                Mlp.random(1, ControlTestKit.WIDTH, 8, 1).toOnnx("features"));
        v2 = Files.write(files.resolve("v2.onnx"),
                Mlp.random(2, ControlTestKit.WIDTH, 8, 1).toOnnx("features"));
    }

    @Test
    void aCanaryKeepsTheStableRecordPromoteDeploysTheCandidateAbortKeepsTheStable()
            throws Exception {
        assertOk(push("fraud", "1", v1));
        ModelControl stable = desired("fraud");

        CliRun canary = push("fraud", "2", v2, "--canary", "20", "--max-failure-rate", "0.05",
                "--auto-promote-after", "1000");
        assertOk(canary);
        assertTrue(canary.out().contains("DEPLOY 'fraud' v1 + canary v2 (20%) (generation 2)"),
                canary.toString());
        ModelControl rollout = desired("fraud");
        ModelCandidate c = rollout.getCandidate();
        assertEquals(2, c.getVersion());
        assertEquals(RolloutMode.CANARY, c.getMode());
        assertEquals(20.0, c.getPercent());
        assertEquals(0.05, c.getMaxFailureRate());
        assertNull(c.getMaxScorePsi());
        assertEquals(500, c.getMinEvents());
        assertEquals(1000, c.getAutoPromoteAfter());
        assertEquals(Ed25519.keyId(kit.key.getPublic()), c.getKeyId());
        assertTrue(c.getSignature() != null && c.getSha256().length() == 64, c.toString());
        assertEquals("features", c.getInputName());
        assertEquals(ControlTestKit.WIDTH, c.getInputWidth());
        assertTrue(c.getUri().startsWith(store.toUri().toString()), c.getUri());
        assertTrue(Files.isRegularFile(Path.of(URI.create(c.getUri()))), c.getUri());
        // The stable part is the previous desired record under the new generation.
        assertEquals(2, rollout.getGeneration());
        assertEquals(stableFields(stable), stableFields(rollout));

        CliRun promote = CliRun.of(connection("model", "promote", "--name", "fraud",
                "--issued-by", "alice", "--no-wait"));
        assertOk(promote);
        ModelControl promoted = desired("fraud");
        assertEquals(ModelAction.DEPLOY, promoted.getAction());
        assertEquals(2, promoted.getVersion());
        assertEquals(3, promoted.getGeneration());
        assertEquals(c.getUri(), promoted.getUri());
        assertEquals(c.getSha256(), promoted.getSha256());
        assertNull(promoted.getCandidate());
        assertEquals("promoted by alice", promoted.getNote());
        assertEquals("alice", promoted.getIssuedBy());

        Path v3 = Files.write(files.resolve("v3.onnx"),
                Mlp.random(3, ControlTestKit.WIDTH, 8, 1).toOnnx("features"));
        assertOk(push("fraud", "3", v3, "--shadow"));
        assertEquals(RolloutMode.SHADOW, desired("fraud").getCandidate().getMode());
        CliRun abort = CliRun.of(connection("model", "abort", "--name", "fraud",
                "--reason", "scores drift", "--issued-by", "bob", "--no-wait"));
        assertOk(abort);
        ModelControl aborted = desired("fraud");
        assertEquals(2, aborted.getVersion());
        assertEquals(5, aborted.getGeneration());
        assertNull(aborted.getCandidate());
        assertEquals("aborted by bob: scores drift", aborted.getNote());
        assertEquals(stableFields(promoted), stableFields(aborted));

        CliRun again = CliRun.of(connection("model", "promote", "--name", "fraud", "--no-wait"));
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains(
                        "error: model 'fraud' has no rollout in progress (desired: v2,"
                                + " generation 5)"),
                again.toString());

        // v3 was pushed (as an aborted candidate): its number names its file forever.
        CliRun reuse = push("fraud", "3", v3);
        assertEquals(2, reuse.exit(), reuse.toString());
        assertTrue(reuse.err().contains("--version 3: model 'fraud' v3 was pushed before"
                + " (sha256 ") && reuse.err().contains(", this same file, by it at ")
                && reuse.err().contains("a version number names one file forever: push it as"
                        + " v4, or roll back to v3"), reuse.toString());
    }

    @Test
    void aRolloutNeedsAStableVersionAndAnEndNeedsARollout() throws Exception {
        CliRun none = push("churn", "1", v1, "--shadow");
        assertEquals(1, none.exit(), none.toString());
        assertTrue(none.err().contains("model 'churn' has no stable version to roll a candidate"
                + " out beside"), none.toString());
        CliRun abort = CliRun.of(connection("model", "abort", "--name", "churn", "--no-wait"));
        assertEquals(1, abort.exit(), abort.toString());
        assertTrue(abort.err().contains("model 'churn' was never pushed"), abort.toString());

        assertOk(push("churn", "1", v1));
        // A guardrail the record would refuse: nothing is written, nothing copied.
        CliRun early = push("churn", "2", v2, "--canary", "5", "--auto-promote-after", "100");
        assertEquals(1, early.exit(), early.toString());
        assertTrue(early.err().contains(
                        "error: model 'churn': auto-promote-after (100) must be at least min"
                                + " events (500)"),
                early.toString());
        assertEquals(1, desired("churn").getGeneration());
        assertFalse(Files.exists(store.resolve("churn").resolve(
                "v2-" + Hashes.sha256Hex(Files.readAllBytes(v2)).substring(0, 12) + ".onnx")));

        abort = CliRun.of(connection("model", "abort", "--name", "churn", "--no-wait"));
        assertEquals(1, abort.exit(), abort.toString());
        assertTrue(abort.err().contains("error: model 'churn' has no rollout in progress"
                + " (desired: v1, generation 1)"), abort.toString());

        assertOk(CliRun.of(connection("model", "retire", "--name", "churn", "--no-wait")));
        CliRun retired = push("churn", "2", v2, "--canary", "10");
        assertEquals(1, retired.exit(), retired.toString());
        assertTrue(retired.err().contains("model 'churn' is retired (desired: retired v1,"
                + " generation 2)"), retired.toString());
    }

    @Test
    void statusShowsTheRolloutCandidateStatusesAndTheLatestReport() throws Exception {
        assertOk(push("risk", "1", v1));
        assertOk(push("risk", "2", v2, "--canary", "25", "--max-score-psi", "0.2"));
        Instant at = Instant.parse("2025-01-02T03:04:05Z");
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            produce(producer, kit.status,
                    status("risk", 1, 2, 0, 1, ModelState.ACTIVE, null, at));
            produce(producer, kit.status,
                    status("risk", 2, 2, 0, 1, ModelState.ACTIVE, RolloutMode.CANARY, at));
            produce(producer, kit.rollouts, report(RolloutDecision.RUNNING, null, at));
            produce(producer, kit.rollouts,
                    report(RolloutDecision.ABORTED, "score PSI 0.31 > 0.2", at.plusSeconds(5)));
            producer.flush();
        }
        CliRun status = CliRun.of(connection("model", "status", "--name", "risk",
                "--rollouts-topic", kit.rollouts));
        assertOk(status);
        String out = status.out();
        assertTrue(out.contains("risk: desired DEPLOY v1 (generation 2, FP32, by it at "), out);
        assertTrue(out.contains("  rollout: 'risk' v1 + canary v2 (25%); guardrails: score PSI"
                + " at most 0.2, judged after 500 events; promote or abort by hand\n"), out);
        assertTrue(out.contains("  subtask 1/1: ACTIVE   v1 gen 2\n"), out);
        assertTrue(out.contains("  candidate:\n    subtask 1/1: ACTIVE   canary v2 gen 2\n"), out);
        assertTrue(out.contains("  rollout report (generation 2, at 2025-01-02T03:04:10Z): canary"
                + " v2 (25%) beside v1: ABORTED\n"), out);
        assertTrue(out.contains("  reason: score PSI 0.31 > 0.2\n"), out);
        assertFalse(out.contains("RUNNING"), out);

        CliRun aborted = CliRun.of(connection("model", "abort", "--name", "risk",
                "--issued-by", "inferflow-judge", "--no-wait"));
        assertOk(aborted);
        CliRun noTopic = CliRun.of(connection("model", "status", "--name", "risk",
                "--rollouts-topic", "no-such-topic-" + kit.run));
        assertOk(noTopic);
        assertTrue(noTopic.out().contains("  note: aborted by inferflow-judge\n"), noTopic.out());
        assertFalse(noTopic.out().contains("  rollout: "), noTopic.out());
        assertTrue(noTopic.out().endsWith(
                "no rollout reports: topic 'no-such-topic-" + kit.run + "' does not exist\n"),
                noTopic.out());
    }

    @Test
    void aRolloutWaitsForItsCandidateAndAnAbortForTheStableVersion() throws Exception {
        assertOk(push("score", "1", v1));
        Instant at = Instant.now();
        // The stable version renewed on both subtasks does not end the wait; the candidate does.
        Thread job = answer("score", 2,
                status("score", 1, 2, 0, 2, ModelState.ACTIVE, null, at),
                status("score", 1, 2, 1, 2, ModelState.ACTIVE, null, at),
                status("score", 2, 2, 0, 2, ModelState.LOADED, RolloutMode.SHADOW, at),
                status("score", 2, 2, 0, 2, ModelState.ACTIVE, RolloutMode.SHADOW, at),
                status("score", 2, 2, 1, 2, ModelState.REJECTED, RolloutMode.SHADOW, at));
        CliRun shadow = CliRun.of(connection("model", "push", "--name", "score", "--version", "2",
                "--file", v2.toString(), "--store", store.toString(), "--key",
                files.resolve("ops.key").toString(), "--shadow", "--timeout", "30"));
        job.join();
        assertEquals(1, shadow.exit(), shadow.toString());
        assertTrue(shadow.out().contains("  subtask 2/2: REJECTED shadow v2 gen 2\n"
                + "1 of 2 subtasks ACTIVE for shadow v2\n"), shadow.toString());

        // The candidate's RETIRED statuses do not count for the abort; the stable ACTIVE do.
        job = answer("score", 3,
                status("score", 2, 3, 0, 2, ModelState.RETIRED, RolloutMode.SHADOW, at),
                status("score", 2, 3, 1, 2, ModelState.RETIRED, RolloutMode.SHADOW, at),
                status("score", 1, 3, 0, 2, ModelState.ACTIVE, null, at),
                status("score", 1, 3, 1, 2, ModelState.ACTIVE, null, at));
        CliRun abort = CliRun.of(connection("model", "abort", "--name", "score",
                "--timeout", "30"));
        job.join();
        assertOk(abort);
        assertTrue(abort.out().endsWith("2 of 2 subtasks ACTIVE\n"), abort.toString());
    }

    // --- helpers

    /**
     * Plays the job: once the desired record of {@code model} reached {@code generation}, writes
     * {@code statuses} to the status topic.
     */
    /** The generation of the model's desired record, 0 while it has none. */
    private static long desiredGeneration(String model) {
        try (ModelControlClient client = kit.client()) {
            return client.history().desired(model).map(ModelControl::getGeneration).orElse(0L);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Thread answer(String model, long generation, ModelStatus... statuses) {
        Thread thread = new Thread(() -> {
            try {
                CommonTestUtils.waitUtil(() -> desiredGeneration(model) >= generation,
                        Duration.ofSeconds(30), Duration.ofMillis(100),
                        "model '" + model + "' never reached generation " + generation);
                try (KafkaProducer<byte[], byte[]> producer = producer()) {
                    for (ModelStatus s : statuses) {
                        produce(producer, kit.status, s);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "job-" + model);
        thread.start();
        return thread;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kit.kafka.clients().with(Map.of()), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** The fields a rollout keeps from its stable record. */
    private static ModelControl stableFields(ModelControl record) {
        return ModelControl.newBuilder(record)
                .setGeneration(0)
                .setIssuedAt(Instant.EPOCH)
                .setIssuedBy("")
                .setCandidate(null)
                .setNote(null)
                // Each record is signed whole, so its own signature differs.
                .setRecordSignature(null)
                .build();
    }

    private static ModelControl desired(String model) throws Exception {
        try (ModelControlClient client = kit.client()) {
            return client.history().desired(model).orElseThrow();
        }
    }

    private static CliRun push(String model, String version, Path file, String... more) {
        return CliRun.of(Stream.concat(Stream.of(connection("model", "push", "--name", model,
                        "--version", version, "--file", file.toString(), "--store",
                        store.toString(), "--key", files.resolve("ops.key").toString(),
                        "--issued-by", "it", "--no-wait")), Stream.of(more))
                .toArray(String[]::new));
    }

    private static String[] connection(String... command) {
        return kit.cli(command);
    }

    private static void assertOk(CliRun run) {
        assertEquals(0, run.exit(), run.toString());
    }

    private static ModelStatus status(
            String model, long version, long generation, int subtask, int parallelism,
            ModelState state, RolloutMode role, Instant at) {
        return ModelStatus.newBuilder()
                .setModel(model).setVersion(version).setGeneration(generation)
                .setSubtask(subtask).setParallelism(parallelism).setState(state).setAt(at)
                .setRole(role)
                .build();
    }

    private static RolloutReport report(RolloutDecision decision, String reason, Instant at) {
        return RolloutReport.newBuilder()
                .setModel("risk").setGeneration(2).setMode(RolloutMode.CANARY).setPercent(25)
                .setStableVersion(1).setCandidateVersion(2)
                .setStableEvents(900).setCandidateEvents(300).setCandidateFailures(0)
                .setCandidateFailureRate(0).setStableP99Ms(2.0).setCandidateP99Ms(2.5)
                .setScorePsi(0.31).setAgreement(null)
                .setDecision(decision).setReason(reason).setAt(at)
                .build();
    }

    /** Writes {@code record}, a status or a report, to {@code topic}, keyed by its model. */
    private static <T extends SpecificRecord> void produce(
            KafkaProducer<byte[], byte[]> producer, String topic, T record) throws Exception {
        byte[] value = new AvroWireEncoder<>(
                new SchemaRegistryClient(RegistrySettings.of(kit.registryUrl)), topic, record)
                .encode(record);
        String key = String.valueOf(record.get(record.getSchema().getField("model").pos()));
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                .get();
    }
}
