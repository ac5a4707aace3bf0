package io.inferflow.operators.inference;

import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.drift.DriftSettings;
import io.inferflow.schemas.avro.BinCounts;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Collectors;

import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.Models.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inference operator's drift counts: what it counts, when it sends them, bad profiles. */
class MicroBatchDriftCountsTest {

    /** Bins (-inf, 0), [0, 1), [1, inf) for both features; scores (2x) bin at 0 and 2. */
    private static final ReferenceProfile PROFILE =
            ReferenceProfile.of(
                    List.of(feature("a", 0, 1), feature("b", 0, 1)),
                    List.of(feature("score0", 0, 2)),
                    1_000,
                    Instant.parse("2026-11-01T00:00:00Z"),
                    null);

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    @Test
    void countsEveryScoredRowAndSendsBeforeTheBarrier() throws Exception {
        try (var harness = open(DriftSettings.defaults())) {
            harness.processElement2(withProfile(deploy("fraud", 1, 1), PROFILE.toJson()), 0L);
            awaitActive(harness);
            harness.processElement1(event("e1", "fraud", -1f, 0.5f), 0L);
            harness.processElement1(event("e2", "fraud", 0.5f, 2f), 0L);
            harness.processElement1(event("e3", "fraud", 3f, 0.2f), 0L);
            assertEquals(List.of(), drift(harness), "nothing is sent before a flush is due");

            harness.prepareSnapshotPreBarrier(1L);

            assertEquals(List.of("e1", "e2", "e3"), ids(harness.extractOutputValues()));
            DriftCounts partial = single(drift(harness));
            assertEquals("fraud", partial.getModel());
            assertEquals(1L, partial.getModelVersion());
            assertEquals(3L, partial.getEvents());
            assertEquals(List.of(0), partial.getSubtasks());
            assertEquals(List.of(List.of(1L, 1L, 1L), List.of(0L, 2L, 1L)),
                    counts(partial.getFeatures()));
            // Scores are 2x the features; the profile covers the first output only:
            // -2, 1 and 6 against edges 0 and 2.
            assertEquals(List.of(List.of(1L, 1L, 1L)), counts(partial.getScores()));
            assertEquals(PROFILE.toJson(), partial.getProfile());

            harness.prepareSnapshotPreBarrier(2L);
            assertEquals(1, drift(harness).size(), "no events, no partial");
        }
    }

    @Test
    void sendsAfterAQuarterOfTheWindowAndWhenTheVersionStopsServing() throws Exception {
        // Windows of 256 events at parallelism 1: a partial every 64 events.
        DriftSettings settings = DriftSettings.defaults().withWindow(256, Duration.ZERO);
        try (var harness = open(settings)) {
            harness.processElement2(withProfile(deploy("fraud", 1, 1), PROFILE.toJson()), 0L);
            awaitActive(harness);
            for (int i = 0; i < 70; i++) {
                harness.processElement1(event("e" + i, "fraud", 0.5f, 0.5f), 0L);
            }
            assertEquals(List.of(64L), events(drift(harness)));

            harness.processElement1(event("x", "fraud", 0.5f, 0.5f), 0L);
            harness.processElement2(deploy("fraud", 2, 2), 0L);
            InferenceHarness.awaitFinishedLoads(harness, 1);
            assertTrue(versionsActive(harness).contains(2L));
            List<DriftCounts> sent = drift(harness);
            assertEquals(2, sent.size(), "v1 sends what it counted when v2 replaces it");
            assertEquals(1L, sent.get(1).getModelVersion());
            long v1Predictions =
                    harness.extractOutputValues().stream()
                            .filter(p -> p.getModelVersion() == 1L)
                            .count();
            assertEquals(v1Predictions, events(sent).stream().mapToLong(Long::longValue).sum(),
                    "every row v1 scored is counted once");
        }
    }

    @Test
    void servesWithoutDriftWhenTheProfileDoesNotFitTheModel() throws Exception {
        ReferenceProfile oneFeature =
                ReferenceProfile.of(
                        List.of(feature("a", 0, 1)), List.of(), 10, Instant.now(), null);
        try (var harness = open(DriftSettings.defaults())) {
            harness.processElement2(
                    withProfile(deploy("fraud", 1, 1), oneFeature.toJson()), 0L);
            awaitActive(harness);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);

            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));
            assertEquals(List.of(), drift(harness));
            ModelStatus active = activeStatus(harness);
            assertEquals(
                    "PROFILE_REJECTED: the profile has 1 features, the model takes 2",
                    active.getReason());
        }
    }

    @Test
    void servesWithoutDriftWhenTheProfileDoesNotParse() throws Exception {
        try (var harness = open(DriftSettings.defaults())) {
            harness.processElement2(withProfile(deploy("fraud", 1, 1), "{\"features\": 3}"), 0L);
            awaitActive(harness);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);

            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));
            assertTrue(
                    activeStatus(harness).getReason()
                            .startsWith("PROFILE_REJECTED: not a valid reference profile"),
                    activeStatus(harness).getReason());
        }
    }

    @Test
    void countsNothingWhenDriftIsDisabled() throws Exception {
        try (var harness = open(DriftSettings.disabled())) {
            harness.processElement2(withProfile(deploy("fraud", 1, 1), PROFILE.toJson()), 0L);
            awaitActive(harness);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);

            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));
            assertEquals(List.of(), drift(harness));
            assertNull(activeStatus(harness).getReason());
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            DriftSettings drift) throws Exception {
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(),
                        provider,
                        BatchingSettings.builder().maxSize(1).maxDelay(Duration.ofHours(1)).build(),
                        Duration.ofSeconds(10),
                        drift);
        var harness = new TwoInputStreamOperatorTestHarness<>(operator);
        harness.open();
        return harness;
    }

    private static FeatureProfile feature(String name, double... edges) {
        double[] proportions = new double[edges.length + 1];
        java.util.Arrays.fill(proportions, 1.0 / proportions.length);
        return new FeatureProfile(name, edges, proportions, 0, 0, 1);
    }

    private static ModelControl withProfile(ModelControl control, String json) {
        control.setProfile(json);
        return control;
    }

    private static void awaitActive(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        InferenceHarness.awaitFinishedLoads(harness, 1);
        assertFalse(versionsActive(harness).isEmpty(), "no version went ACTIVE");
    }

    private static List<Long> versionsActive(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return statuses(harness).stream()
                .filter(s -> s.getState() == ModelState.ACTIVE)
                .map(ModelStatus::getVersion)
                .collect(Collectors.toList());
    }

    private static ModelStatus activeStatus(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return statuses(harness).stream()
                .filter(s -> s.getState() == ModelState.ACTIVE)
                .findFirst()
                .orElseThrow();
    }

    private static List<DriftCounts> drift(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        Queue<StreamRecord<DriftCounts>> side = harness.getSideOutput(SideOutputs.DRIFT_COUNTS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private static List<Long> events(List<DriftCounts> partials) {
        return partials.stream().map(DriftCounts::getEvents).collect(Collectors.toList());
    }

    private static List<List<Long>> counts(List<BinCounts> bins) {
        return bins.stream().map(BinCounts::getCounts).collect(Collectors.toList());
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), "expected exactly one, got " + values);
        return values.get(0);
    }
}
