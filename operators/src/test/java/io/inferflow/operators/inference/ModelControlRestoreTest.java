package io.inferflow.operators.inference;

import io.inferflow.model.LoadFailure;
import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.describe;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.InferenceHarness.versions;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Restore of {@link MicroBatchInferenceOperator}'s control state: open() loads the desired
 * version of each model from broadcast state, and falls back to the last served one when the
 * desired one is rejected.
 */
class ModelControlRestoreTest {

    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    @Test
    void reloadsDesiredVersionsOnRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness =
                opened(
                        new MicroBatchInferenceOperator(
                                List.of(initial("fraud", 1)), provider, batching(100, LONG)))) {
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);
            snapshot = harness.snapshot(1L, 100L);
            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));
        }

        FakeModelProvider restoredProvider = new FakeModelProvider(Map.of("fraud", 2));
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(initial("fraud", 1)), restoredProvider, batching(100, LONG));
        try (var restored = new TwoInputStreamOperatorTestHarness<>(operator)) {
            restored.initializeState(snapshot);
            restored.open();
            assertEquals(
                    List.of(2L),
                    restoredProvider.acquired().stream()
                            .map(ModelDescriptor::version)
                            .collect(Collectors.toList()),
                    "the desired version is loaded in open(), the initial one not at all");

            restored.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            restored.endInput1();

            List<Prediction> out = restored.extractOutputValues();
            assertEquals(List.of("e2"), ids(out));
            assertEquals(List.of(2L), versions(out));
            assertEquals(List.of("LOADED v2 g1", "ACTIVE v2 g1"), describe(statuses(restored)));
        }
    }

    @Test
    void fallsBackToLastServedVersionWhenDesiredIsRejectedOnRestore() throws Exception {
        provider.fail("fraud", 2, LoadFailure.UNTRUSTED_KEY, "key 'k9' is not trusted");
        OperatorSubtaskState snapshot;
        try (var harness =
                opened(
                        new MicroBatchInferenceOperator(
                                List.of(initial("fraud", 1)), provider, batching(100, LONG)))) {
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.prepareSnapshotPreBarrier(1L);
            snapshot = harness.snapshot(1L, 100L);
        }

        FakeModelProvider restoredProvider =
                new FakeModelProvider(Map.of("fraud", 2))
                        .fail("fraud", 2, LoadFailure.UNTRUSTED_KEY, "key 'k9' is not trusted");
        var operator =
                new MicroBatchInferenceOperator(List.of(), restoredProvider, batching(100, LONG));
        try (var restored = new TwoInputStreamOperatorTestHarness<>(operator)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            restored.endInput1();

            assertEquals(List.of(1L), versions(restored.extractOutputValues()));
            assertEquals(
                    List.of("REJECTED v2 g1", "LOADED v1 g0", "ACTIVE v1 g0"),
                    describe(statuses(restored)));
        }
    }
}
