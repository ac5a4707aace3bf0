package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.Models.canary;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static io.inferflow.operators.inference.Models.shadow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.inference.FakeModelProvider.Output;
import io.inferflow.operators.rollout.CanarySplit;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Collectors;

/** Canary and shadow candidates in {@link MicroBatchInferenceOperator}. */
class RolloutOperatorTest {

    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    @Test
    void canaryScoresItsShareOfEntitiesEachAlwaysWithOneVersion() throws Exception {
        try (var harness = open(provider)) {
            harness.processElement2(canary("fraud", 1, 2, 20, 1), 0L);
            awaitFinishedLoads(harness, 1);
            // 600 entities, three events each, interleaved.
            for (int round = 0; round < 3; round++) {
                for (int e = 0; e < 600; e++) {
                    harness.processElement1(event("r" + round + "-" + e, "user-" + e, 1f), 0L);
                }
            }
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(1_800, out.size());
            Map<String, Long> versionOf = new HashMap<>();
            for (Prediction p : out) {
                long expected = CanarySplit.inCanary("fraud", 2, p.getEntityId(), 20) ? 2 : 1;
                assertEquals(expected, p.getModelVersion(), p.toString());
                Long before = versionOf.put(p.getEntityId(), p.getModelVersion());
                assertTrue(before == null || before == p.getModelVersion(), p.toString());
            }
            long onCandidate = versionOf.values().stream().filter(v -> v == 2).count();
            double share = 100.0 * onCandidate / versionOf.size();
            assertTrue(Math.abs(share - 20) <= 3, "candidate share " + share + "%");
            assertEquals(List.of(), deadLetters(harness));
            ModelStatus active = statuses(harness).stream()
                    .filter(s -> s.getRole() == RolloutMode.CANARY
                            && s.getState() == ModelState.ACTIVE)
                    .findFirst().orElseThrow();
            assertEquals(2L, active.getVersion());
        }
    }

    @Test
    void canaryEntitiesWaitForTheCandidateWhileItLoads() throws Exception {
        provider.block("fraud", 2);
        try (var harness = open(provider)) {
            harness.processElement2(canary("fraud", 1, 2, 50, 1), 0L);
            for (int e = 0; e < 100; e++) {
                harness.processElement1(event("a" + e, "user-" + e, 1f), 0L);
            }
            provider.release("fraud", 2);
            awaitFinishedLoads(harness, 1);
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(100, out.size());
            for (Prediction p : out) {
                long expected = CanarySplit.inCanary("fraud", 2, p.getEntityId(), 50) ? 2 : 1;
                assertEquals(expected, p.getModelVersion(), p.toString());
            }
        }
    }

    /** A candidate that throws, or returns NaN: its events are scored by the stable version. */
    @ParameterizedTest
    @EnumSource(value = Output.class, names = {"FAILS", "NAN"})
    void failingCanaryFallsBackToStableAndCountsItsFailures(Output failure) throws Exception {
        provider.scoreAs("fraud", 2, failure);
        try (var harness = open(provider)) {
            harness.processElement2(canary("fraud", 1, 2, 50, 1), 0L);
            awaitFinishedLoads(harness, 1);
            int canaryEvents = 0;
            for (int e = 0; e < 200; e++) {
                harness.processElement1(event("a" + e, "user-" + e, 1f), 0L);
                canaryEvents += CanarySplit.inCanary("fraud", 2, "user-" + e, 50) ? 1 : 0;
            }
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(200, out.size(), "no event lost");
            assertTrue(out.stream().allMatch(p -> p.getModelVersion() == 1L
                    && p.getScores().stream().allMatch(Float::isFinite)));
            assertEquals(List.of(), deadLetters(harness));
            RolloutCounts counts = total(harness);
            assertEquals(canaryEvents, counts.getCandidate().getEvents());
            assertEquals(canaryEvents, counts.getCandidate().getFailures());
            assertEquals(200, counts.getStable().getEvents());
            assertEquals(canaryEvents, InferenceHarness.operator(harness)
                    .modelMetrics("fraud").version(2).fallbacks());
        }
    }

    @Test
    void stableNonFiniteOutputGoesToDeadLettersNeverToPredictions() throws Exception {
        provider.scoreAs("fraud", 1, Output.NAN);
        try (var harness = open(provider)) {
            harness.processElement1(event("a", "user-1", 1f), 0L);
            harness.endInput1();

            assertEquals(List.of(), harness.extractOutputValues());
            assertEquals(ErrorTypes.NON_FINITE_OUTPUT,
                    InferenceHarness.single(deadLetters(harness)).getErrorType());
        }
    }

    @Test
    void shadowScoresEveryEventButOnlyTheStableVersionReachesPredictions() throws Exception {
        provider.scoreAs("fraud", 2, Output.TRIPLE);
        try (var harness = open(provider)) {
            harness.processElement2(shadow("fraud", 1, 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            for (int e = 0; e < 150; e++) {
                harness.processElement1(event("a" + e, "user-" + e, e % 2 == 0 ? 1f : -1f), 0L);
            }
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(150, out.size());
            assertTrue(out.stream().allMatch(p -> p.getModelVersion() == 1L));
            List<Prediction> shadows = side(harness);
            assertEquals(150, shadows.size());
            assertTrue(shadows.stream().allMatch(p -> p.getModelVersion() == 2L));
            assertEquals(
                    out.stream().map(Prediction::getEventId).sorted().collect(Collectors.toList()),
                    shadows.stream().map(Prediction::getEventId).sorted()
                            .collect(Collectors.toList()));
            RolloutCounts counts = total(harness);
            assertEquals(150, counts.getCompared());
            // 2x and 3x land on the same side of 0.5 for 1 and -1.
            assertEquals(150, counts.getAgreed());
        }
    }

    @Test
    void promoteKeepsTheCandidateSessionAndAbortClosesIt() throws Exception {
        try (var harness = open(provider)) {
            ModelControl rollout = canary("fraud", 1, 2, 50, 1);
            harness.processElement2(rollout, 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement2(
                    Rollouts.promote(rollout, 2, Instant.EPOCH, "alice", "promoted by alice"),
                    0L);
            for (int e = 0; e < 50; e++) {
                harness.processElement1(event("a" + e, "user-" + e, 1f), 0L);
            }

            assertEquals(List.of(1L, 2L), acquiredVersions(),
                    "the promotion loads nothing: the candidate's session serves on");
            assertEquals(1, provider.openHandles(), "v1 closed");

            ModelControl next = canary("fraud", 2, 3, 50, 3);
            harness.processElement2(next, 0L);
            awaitFinishedLoads(harness, 1);
            assertEquals(2, provider.openHandles());
            harness.processElement2(
                    Rollouts.abort(next, 4, Instant.EPOCH, "bob", "aborted by bob: slow"), 0L);
            assertEquals(1, provider.openHandles(), "the aborted candidate is closed");
            for (int e = 0; e < 50; e++) {
                harness.processElement1(event("b" + e, "user-" + e, 1f), 0L);
            }
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(100, out.size());
            assertTrue(out.stream().allMatch(p -> p.getModelVersion() == 2L), "v2 serves all");
            ModelStatus retired = statuses(harness).stream()
                    .filter(s -> s.getState() == ModelState.RETIRED)
                    .findFirst().orElseThrow();
            assertEquals(3L, retired.getVersion());
            assertEquals(RolloutMode.CANARY, retired.getRole());
            assertEquals(4L, retired.getGeneration());
            assertEquals("aborted by bob: slow", retired.getReason());
        }
    }

    @Test
    void restoreLoadsTheCandidateBeforeScoringSoEntitiesKeepTheirVersion() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = open(provider)) {
            harness.processElement2(canary("fraud", 1, 2, 30, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("a", "user-1", 1f), 0L);
            harness.prepareSnapshotPreBarrier(1L);
            snapshot = harness.snapshot(1L, 100L);
        }
        FakeModelProvider restoredProvider = new FakeModelProvider(Map.of("fraud", 2));
        var operator = new MicroBatchInferenceOperator(
                List.of(initial("fraud", 1)), restoredProvider, batching(16, LONG));
        try (var restored = new TwoInputStreamOperatorTestHarness<>(operator)) {
            restored.initializeState(snapshot);
            restored.open();
            for (int e = 0; e < 300; e++) {
                restored.processElement1(event("b" + e, "user-" + e, 1f), 0L);
            }
            restored.endInput1();

            for (Prediction p : restored.extractOutputValues()) {
                long expected = CanarySplit.inCanary("fraud", 2, p.getEntityId(), 30) ? 2 : 1;
                assertEquals(expected, p.getModelVersion(), p.toString());
            }
            assertEquals(300, restored.extractOutputValues().size());
        }
    }

    @Test
    void plainDeployReplacesTheRollout() throws Exception {
        try (var harness = open(provider)) {
            harness.processElement2(canary("fraud", 1, 2, 50, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement2(deploy("fraud", 3, 2), 0L);
            awaitFinishedLoads(harness, 1);
            for (int e = 0; e < 40; e++) {
                harness.processElement1(event("a" + e, "user-" + e, 1f), 0L);
            }
            harness.endInput1();

            assertTrue(harness.extractOutputValues().stream()
                    .allMatch(p -> p.getModelVersion() == 3L));
            assertEquals(1, provider.openHandles());
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            FakeModelProvider provider) throws Exception {
        return opened(new MicroBatchInferenceOperator(
                List.of(initial("fraud", 1)), provider, batching(16, LONG)));
    }

    private List<Long> acquiredVersions() {
        return provider.acquired().stream().map(ModelDescriptor::version)
                .collect(Collectors.toList());
    }

    private static DecodedEvent event(String id, String entity, float feature) {
        FeatureEvent event = FeatureEvent.newBuilder()
                .setEventId(id)
                .setEntityId(entity)
                .setModel("fraud")
                .setEventTime(Instant.ofEpochMilli(1_234))
                .setFeatures(List.of(feature, feature))
                .build();
        return new DecodedEvent(event, new RawRecord("features", 0, 1L, 1_000L,
                entity.getBytes(StandardCharsets.UTF_8), id.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Prediction> side(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        Queue<StreamRecord<Prediction>> side =
                harness.getSideOutput(SideOutputs.SHADOW_PREDICTIONS);
        return side == null ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    /** Every rollout count the subtask sent (the last before a barrier too), summed. */
    private static RolloutCounts total(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness)
            throws Exception {
        harness.prepareSnapshotPreBarrier(9L);
        Queue<StreamRecord<RolloutCounts>> side = harness.getSideOutput(SideOutputs.ROLLOUT_COUNTS);
        assertNotNull(side, "no rollout counts sent");
        RolloutCounts total = null;
        for (StreamRecord<RolloutCounts> r : side) {
            total = io.inferflow.operators.rollout.RolloutStatistics.merge(total, r.getValue());
        }
        return total;
    }
}
