package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.local.ExampleModels;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.operators.rollout.CanarySplit;
import io.inferflow.operators.rollout.RolloutJudge;
import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Canary and shadow rollouts on a running job (embedded Kafka, the registry over HTTP, a
 * MiniCluster at parallelism 2, signed ONNX models, predictions read back with read_committed):
 * a canary keeps each entity on one version and scores its share; promote and abort move every
 * entity to one version; a shadow's scores reach predictions-shadow only; a candidate that fails
 * on every event is aborted by the judge with no event lost; and after a TaskManager is killed
 * during a canary the same entities go to the same versions. Each test has its own model; the
 * predictions topic is shared, so each reads until everything sent so far is there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutITCase {

    private static final int PARALLELISM = 2;
    private static final int WIDTH = ControlTestKit.WIDTH;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;

    private static ControlTestKit kit;
    private static ModelControlClient control;
    private static JobClient job;
    private static DeserializationSchema<ModelStatus> statuses;
    private static DeserializationSchema<RolloutReport> reports;
    private static DeserializationSchema<ModelControl> controls;
    /** Events sent by every test so far: each reads predictions until all of them came. */
    private static int sentSoFar;

    @BeforeAll
    static void startJob() throws Exception {
        kit = new ControlTestKit(STACK, store, PARALLELISM);
        Configuration conf = kit.conf();
        conf.set(InferenceOptions.ROLLOUT_REPORT_INTERVAL, Duration.ofMillis(300));
        job = ControlTestKit.startInferenceJob(conf, PARALLELISM, "rollout-it-" + kit.run);
        control = kit.client();
        RegistrySettings registry = RegistrySettings.of(kit.registryUrl);
        statuses = ConfluentAvroSchemas.deserializer(ModelStatus.class, registry);
        reports = ConfluentAvroSchemas.deserializer(RolloutReport.class, registry);
        controls = ConfluentAvroSchemas.deserializer(ModelControl.class, registry);
        for (DeserializationSchema<?> d : List.of(statuses, reports, controls)) {
            d.open(null);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        ControlTestKit.stop(job, control);
    }

    @Test
    @Order(1)
    void canaryKeepsEachEntityOnOneVersionThenPromoteAndAbortMoveEveryone() throws Exception {
        Mlp v1 = Mlp.random(301, WIDTH, 16, 1);
        Mlp v2 = Mlp.random(302, WIDTH, 16, 1);
        Mlp v3 = Mlp.random(303, WIDTH, 16, 1);
        try (TrackedProducer producer = producer("fraud")) {
            ModelControl stable = kit.deploy("fraud", 1, 1, v1);
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            ModelControl canary = rollout(stable, kit.deploy("fraud", 2, 2, v2),
                    RolloutMode.CANARY, 20, 2);
            startRollout(canary);

            Map<String, GenericRecord> first = sendAndRead(producer, "a-", 12_000);
            Map<String, Long> versionOfEntity = assertCanaryVersions(
                    "fraud", 20, producer.sent().values(), first, v1, v2);
            assertTrue(versionOfEntity.size() >= 500, "entities: " + versionOfEntity.size());
            double share = 100.0 * versionOfEntity.values().stream().filter(v -> v == 2).count()
                    / versionOfEntity.size();
            assertTrue(Math.abs(share - 20) <= 3, "candidate scored " + share + "% of entities");

            ModelControl promote = Rollouts.promote(canary, 3, Instant.now(), "it", "promoted by it");
            ModelControlITCase.assertAllActive(control.send(promote, WAIT, s -> {}), 2);
            assertAllVersion(sendAndRead(producer, "b-", 4_000), producer, "b-", 2, v2);

            ModelControl next = rollout(promote, kit.deploy("fraud", 3, 4, v3),
                    RolloutMode.CANARY, 50, 4);
            startRollout(next);
            ModelControl abort = Rollouts.abort(next, 5, Instant.now(), "it", "aborted by it");
            ModelControlITCase.assertAllActive(control.send(abort, WAIT, s -> {}), 2);
            assertEquals(PARALLELISM, statusesOf("fraud", s -> s.getGeneration() == 5
                    && s.getState() == ModelState.RETIRED && s.getRole() == RolloutMode.CANARY
                    && "aborted by it".equals(s.getReason())).size());
            assertAllVersion(sendAndRead(producer, "c-", 4_000), producer, "c-", 2, v2);
            assertEquals(0, deadLetters());
        }
    }

    @Test
    @Order(2)
    void shadowScoresReachOnlyPredictionsShadow() throws Exception {
        Mlp v1 = Mlp.random(311, WIDTH, 16, 1);
        Mlp v2 = Mlp.random(312, WIDTH, 16, 1);
        try (TrackedProducer producer = producer("churn")) {
            ModelControl stable = kit.deploy("churn", 1, 1, v1);
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            startRollout(rollout(stable, kit.deploy("churn", 2, 2, v2), RolloutMode.SHADOW, 0, 2));

            Map<String, GenericRecord> scored = sendAndRead(producer, "s-", 20_000);
            assertAllVersion(scored, producer, "s-", 1, v1);

            Map<String, GenericRecord> shadows = predictionsOnce(
                    STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictionsShadow,
                    20_000);
            assertEquals(producer.sent().keySet(), shadows.keySet(), "one shadow score per event");
            assertAllVersion(shadows, producer, "s-", 2, v2);

            RolloutReport report = awaitReport("churn", r -> r.getCandidateEvents() >= 20_000);
            assertEquals(RolloutDecision.RUNNING, report.getDecision());
            assertEquals(0L, report.getCandidateFailures());
            assertNotNull(report.getAgreement());
            assertNotNull(report.getScorePsi());
            assertEquals(0, deadLetters());
        }
    }

    @Test
    @Order(3)
    void aCandidateFailingOnEveryEventIsAbortedByTheJudgeWithNothingLost() throws Exception {
        Mlp v1 = Mlp.random(321, WIDTH, 16, 1);
        try (TrackedProducer producer = producer("spam")) {
            ModelControl stable = kit.deploy("spam", 1, 1, v1);
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            ModelControl broken = kit.deploy("spam", 2, 2, ExampleModels.nanUnlessZero(WIDTH));
            ModelControl canary = rollout(stable, broken, RolloutMode.CANARY, 50, 2);
            canary.getCandidate().setMaxFailureRate(0.05);
            canary.getCandidate().setMinEvents(300);
            startRollout(canary);

            Map<String, GenericRecord> scored = sendAndRead(producer, "f-", 6_000);
            assertAllVersion(scored, producer, "f-", 1, v1);
            assertEquals(0, deadLetters(), "no dead letter from the failing candidate");

            ModelControl decision = awaitControl("spam", c -> c.getGeneration() == 3);
            assertEquals(RolloutJudge.ISSUER, decision.getIssuedBy());
            assertEquals(1L, decision.getVersion());
            assertTrue(decision.getCandidate() == null);
            assertTrue(decision.getNote().startsWith(
                    "aborted automatically: failure rate 100.0% > 5.0% after "),
                    decision.getNote());
            long after = Long.parseLong(decision.getNote().replaceAll(".* after (\\d+) events", "$1"));
            assertTrue(after >= 300, "judged after min events: " + decision.getNote());
            assertEquals(PARALLELISM, statusesOf("spam", s -> s.getGeneration() == 3
                    && s.getState() == ModelState.RETIRED
                    && decision.getNote().equals(s.getReason())).size());
            assertEquals(RolloutDecision.ABORTED,
                    awaitReport("spam", r -> r.getDecision() != RolloutDecision.RUNNING)
                            .getDecision());
        }
    }

    @Test
    @Order(4)
    void afterATaskManagerDiesDuringACanaryTheSameEntitiesGoToTheSameVersions(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Mlp v1 = Mlp.random(331, WIDTH, 16, 1);
        Mlp v2 = Mlp.random(332, WIDTH, 16, 1);
        try (TrackedProducer producer = producer("risk")) {
            ModelControl stable = kit.deploy("risk", 1, 1, v1);
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            startRollout(rollout(stable, kit.deploy("risk", 2, 2, v2), RolloutMode.CANARY, 30, 2));

            Pacer pacer = new Pacer(4_000);
            for (int i = 0; i < 12_000; i++) {
                pacer.awaitNext();
                producer.send("k-" + i);
                if (i == 5_000) {
                    producer.flush();
                    cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
                    cluster.startTaskManager();
                }
            }
            producer.flush();
            sentSoFar += 12_000;
            Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                    kit.registryUrl, kit.predictions, sentSoFar);
            assertCanaryVersions("risk", 30, producer.sent().values(), scored, v1, v2);
            assertEquals(0, deadLetters());
        }
    }

    // --- helpers

    /**
     * Each event was scored by the version the canary's hash names for its entity (v1 stable,
     * v2 candidate), with that version's score, and each entity by one version; returns the
     * version of each entity.
     */
    static Map<String, Long> assertCanaryVersions(String model, double percent,
            Iterable<TrackedProducer.Sent> sent, Map<String, GenericRecord> scored,
            Mlp stable, Mlp candidate) {
        Map<String, Long> versionOfEntity = new HashMap<>();
        for (TrackedProducer.Sent s : sent) {
            GenericRecord p = scored.get(s.id());
            assertNotNull(p, "no prediction for " + s.id());
            String entity = p.get("entity_id").toString();
            long version = (Long) p.get("model_version");
            assertEquals(CanarySplit.inCanary(model, 2, entity, percent) ? 2 : 1, version,
                    s.id() + " of " + entity);
            assertEquals((version == 2 ? candidate : stable).forward(s.row())[0], firstScore(p),
                    1e-5, s.id());
            Long before = versionOfEntity.put(entity, version);
            assertTrue(before == null || before == version, entity + " saw two versions");
        }
        return versionOfEntity;
    }

    private static TrackedProducer producer(String model) throws Exception {
        return new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                kit.features, model, WIDTH);
    }

    /** {@code stable} with {@code candidateDeploy}'s version as its candidate. */
    static ModelControl rollout(ModelControl stable, ModelControl candidateDeploy,
            RolloutMode mode, double percent, long generation) {
        ModelCandidate candidate = ModelCandidate.newBuilder()
                .setVersion(candidateDeploy.getVersion())
                .setUri(candidateDeploy.getUri())
                .setSha256(candidateDeploy.getSha256())
                .setSignature(candidateDeploy.getSignature())
                .setKeyId(candidateDeploy.getKeyId())
                .setInputName(candidateDeploy.getInputName())
                .setInputWidth(candidateDeploy.getInputWidth())
                .setPrecision(candidateDeploy.getPrecision())
                .setMode(mode)
                .setPercent(percent)
                .build();
        return Rollouts.withCandidate(stable, candidate, generation, Instant.now(), "it");
    }

    /** Writes the rollout and waits until every subtask reports its candidate ACTIVE. */
    private static void startRollout(ModelControl rollout) throws Exception {
        control.send(rollout, Duration.ZERO, s -> {});
        CommonTestUtils.waitUtil(
                () -> candidatesActive(rollout) >= PARALLELISM, WAIT, Duration.ofMillis(200),
                "candidate of " + Rollouts.label(rollout) + " not ACTIVE on every subtask");
    }

    private static int candidatesActive(ModelControl rollout) {
        try {
            return statusesOf(rollout.getName(), s -> s.getGeneration() == rollout.getGeneration()
                    && s.getRole() != null && s.getState() == ModelState.ACTIVE).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code n} events and reads predictions until every event sent so far has one. */
    private static Map<String, GenericRecord> sendAndRead(
            TrackedProducer producer, String prefix, int n) throws Exception {
        Pacer pacer = new Pacer(5_000);
        for (int i = 0; i < n; i++) {
            pacer.awaitNext();
            producer.send(prefix + i);
        }
        producer.flush();
        sentSoFar += n;
        return predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl,
                kit.predictions, sentSoFar);
    }

    private static void assertAllVersion(Map<String, GenericRecord> scored,
            TrackedProducer producer, String prefix, long version, Mlp model) {
        int checked = 0;
        for (TrackedProducer.Sent sent : producer.sent().values()) {
            if (!sent.id().startsWith(prefix)) {
                continue;
            }
            GenericRecord p = scored.get(sent.id());
            assertNotNull(p, "no prediction for " + sent.id());
            assertEquals(version, (Long) p.get("model_version"), sent.id());
            assertEquals(model.forward(sent.row())[0], firstScore(p), 1e-5, sent.id());
            checked++;
        }
        assertTrue(checked > 0);
    }

    private static List<ModelStatus> statusesOf(String model, Predicate<ModelStatus> which)
            throws Exception {
        List<ModelStatus> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(STACK.kafka().bootstrapServers(),
                kit.status, 0, Duration.ZERO, Duration.ofMillis(600))) {
            ModelStatus s = statuses.deserialize(r.value());
            if (s.getModel().equals(model) && which.test(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private static RolloutReport awaitReport(String model, Predicate<RolloutReport> which)
            throws Exception {
        return await(kit.rollouts, reports, r -> r.getModel().equals(model) && which.test(r),
                "rollout report of '" + model + "'");
    }

    private static ModelControl awaitControl(String model, Predicate<ModelControl> which)
            throws Exception {
        return await(kit.control, controls, c -> c.getName().equals(model) && which.test(c),
                "control record of '" + model + "'");
    }

    /** The last record of {@code topic} that matches, waiting for one (bounded). */
    private static <T> T await(String topic, DeserializationSchema<T> decoder,
            Predicate<T> which, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            T found = null;
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(
                    STACK.kafka().bootstrapServers(), topic, 0, Duration.ZERO,
                    Duration.ofMillis(600))) {
                T value = decoder.deserialize(r.value());
                if (which.test(value)) {
                    found = value;
                }
            }
            if (found != null) {
                return found;
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + WAIT);
        }
    }

    private static int deadLetters() {
        return readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0, Duration.ZERO,
                Duration.ofSeconds(1)).size();
    }
}
