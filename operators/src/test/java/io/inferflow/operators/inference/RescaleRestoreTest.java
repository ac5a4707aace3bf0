package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.describe;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.InferenceHarness.versions;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.model.LoadFailure;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Restoring the inference operator at another parallelism when its subtasks served different
 * versions at the savepoint: the desired record is the same everywhere (broadcast state), the
 * version each subtask served is its own fact (union list state). Every new subtask serves the
 * desired version and says so; none inherits another subtask's fallback.
 */
class RescaleRestoreTest {

    private static final Duration LONG = Duration.ofHours(1);
    private static final int MAX_PARALLELISM = 128;

    @Test
    void subtasksThatServedDifferentVersionsRestoreAtAnotherParallelismToTheDesiredOne()
            throws Exception {
        // Subtask 0 could not load v2 (it keeps serving v1), subtask 1 serves v2.
        FakeModelProvider failing = new FakeModelProvider(Map.of("fraud", 2))
                .fail("fraud", 2, LoadFailure.FETCH_FAILED, "the store was down");
        FakeModelProvider working = new FakeModelProvider(Map.of("fraud", 2));
        OperatorSubtaskState zero = servedAfterV2(failing, 0, 1L);
        OperatorSubtaskState one = servedAfterV2(working, 1, 2L);
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(zero, one);

        assertRestoresAtThree(both, false, 2L, List.of("LOADED v2 g1", "ACTIVE v2 g1"));
    }

    /**
     * The same savepoint, restored where v2 still fails to load: every new subtask falls back to
     * v1, which only old subtask 0 served. Had each new subtask inherited a copy of one old
     * subtask's served version (broadcast state), those copying subtask 1 would know only v2 and
     * serve nothing.
     */
    @Test
    void whereTheDesiredVersionStillFailsEveryNewSubtaskFallsBackToAVersionAnySubtaskServed()
            throws Exception {
        FakeModelProvider failing = new FakeModelProvider(Map.of("fraud", 2))
                .fail("fraud", 2, LoadFailure.FETCH_FAILED, "the store was down");
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(
                servedAfterV2(failing, 0, 1L),
                servedAfterV2(new FakeModelProvider(Map.of("fraud", 2)), 1, 2L));

        assertRestoresAtThree(both, true, 1L,
                List.of("REJECTED v2 g1", "LOADED v1 g0", "ACTIVE v1 g0"));
    }

    /**
     * Restores {@code state} as each of 3 subtasks (v2's loads failing or not there) and checks
     * that each scores an event with {@code version} after emitting {@code statuses}.
     */
    private static void assertRestoresAtThree(OperatorSubtaskState state, boolean v2Fails,
            long version, List<String> expectedStatuses) throws Exception {
        for (int subtask = 0; subtask < 3; subtask++) {
            FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));
            if (v2Fails) {
                provider.fail("fraud", 2, LoadFailure.FETCH_FAILED, "the store is down again");
            }
            try (var restored = harness(provider, 3, subtask)) {
                restored.initializeState(AbstractStreamOperatorTestHarness
                        .repartitionOperatorState(state, MAX_PARALLELISM, 2, 3, subtask));
                restored.open();
                InferenceHarness.runMails(restored);
                restored.processElement1(event("e" + subtask, "fraud", 1f, 2f), 0L);
                restored.endInput1();

                assertEquals(List.of(version), versions(restored.extractOutputValues()),
                        "subtask " + subtask);
                assertEquals(expectedStatuses, describe(statuses(restored)), "subtask " + subtask);
            }
        }
    }

    /** A subtask of 2 that got v2's DEPLOY with {@code provider}; returns its snapshot. */
    private static OperatorSubtaskState servedAfterV2(
            FakeModelProvider provider, int subtask, long expectedVersion) throws Exception {
        try (var harness = harness(provider, 2, subtask)) {
            harness.setup();
            harness.open();
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("s" + subtask, "fraud", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);
            assertEquals(List.of(expectedVersion), versions(harness.extractOutputValues()));
            return harness.snapshot(1L, 100L);
        }
    }

    private static TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction>
            harness(FakeModelProvider provider, int parallelism, int subtask) throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(
                new MicroBatchInferenceOperator(
                        List.of(initial("fraud", 1)), provider, batching(100, LONG)),
                MAX_PARALLELISM, parallelism, subtask);
    }
}
