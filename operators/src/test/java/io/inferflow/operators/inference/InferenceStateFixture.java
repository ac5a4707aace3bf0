package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.runMails;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.model.LoadFailure;
import io.inferflow.operators.SavepointFixtures;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The inference operator's state as a savepoint fixture ({@link #create}) and what a restore of
 * it must still do. The fixture is two subtasks of a job at parallelism 2 after the DEPLOY of
 * fraud v2 (generation 1) over the initial v1: subtask 0 serves v2 and holds two events of model
 * 'late', which no control record has named yet; subtask 1 failed to load v2 and serves v1. So
 * it has all three states: the desired records (broadcast), the versions each subtask served
 * (union list) and the waiting events (list).
 */
public final class InferenceStateFixture {

    /** The file under {@code snapshots/}; v1 is the state format of the first fixtures. */
    public static final String FILE = "inference-operator-v1.snapshot";

    private static final int MAX_PARALLELISM = 128;
    private static final Duration LONG = Duration.ofHours(1);
    private static final Duration GRACE = Duration.ofHours(1);

    private InferenceStateFixture() {}

    public static OperatorSubtaskState create() throws Exception {
        FakeModelProvider failing = new FakeModelProvider(Map.of("fraud", 2))
                .fail("fraud", 2, LoadFailure.FETCH_FAILED, "the store was down");
        return AbstractStreamOperatorTestHarness.repackageState(
                subtaskAfterV2(new FakeModelProvider(Map.of("fraud", 2)), 0, 2L),
                subtaskAfterV2(failing, 1, 1L));
    }

    /**
     * Restored alone, with no initial models (all it knows comes from the state) and every
     * version loading: it serves the desired fraud v2 before it scores, and the events that
     * waited are scored once by late v1 when its first control record comes.
     */
    public static void assertServesTheDesiredVersionAndTheWaitingEvents(
            OperatorSubtaskState fixture) throws Exception {
        FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2, "late", 2));
        try (var restored = restore(fixture, provider)) {
            restored.processElement1(event("after", "fraud", 1f, 2f), 0L);
            assertEquals(List.of(), deadLetters(restored), "the events of 'late' still wait");
            restored.processElement2(deploy("late", 1, 1), 0L);
            // End of input waits for the loads that events wait for; one loader thread loads
            // fraud v2, then late v1.
            restored.endInput1();

            assertEquals(List.of("after fraud v2", "w1 late v1", "w2 late v1"),
                    scored(restored.extractOutputValues()));
            assertEquals(List.of("fraud LOADED v2 g1", "fraud ACTIVE v2 g1",
                            "late LOADED v1 g1", "late ACTIVE v1 g1"),
                    statusesOf(restored));
            assertEquals(List.of(), deadLetters(restored));
        }
    }

    /**
     * Restored alone where fraud v2 still fails to load: it falls back to v1, which only old
     * subtask 1 served (union state), and its statuses say so.
     */
    public static void assertFallsBackToAVersionAnySubtaskServed(OperatorSubtaskState fixture)
            throws Exception {
        FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2))
                .fail("fraud", 2, LoadFailure.FETCH_FAILED, "the store is down again");
        try (var restored = restore(fixture, provider)) {
            restored.processElement1(event("after", "fraud", 1f, 2f), 0L);
            restored.endInput1();

            assertEquals(List.of("after fraud v1"),
                    scored(restored.extractOutputValues()).stream()
                            .filter(s -> s.startsWith("after")).toList());
            assertEquals(List.of("fraud REJECTED v2 g1", "fraud LOADED v1 g0",
                    "fraud ACTIVE v1 g0"), statusesOf(restored));
        }
    }

    private static OperatorSubtaskState subtaskAfterV2(
            FakeModelProvider provider, int subtask, long servedVersion) throws Exception {
        return SavepointFixtures.snapshotAfter(
                harness(List.of(initial("fraud", 1)), provider, 2, subtask), harness -> {
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("s" + subtask, "fraud", 1f, 2f), 0L);
            if (subtask == 0) {
                harness.processElement1(event("w1", "late", 1f, 2f), 0L);
                harness.processElement1(event("w2", "late", 3f, 4f), 0L);
            }
            harness.prepareSnapshotPreBarrier(1L);
            assertEquals(List.of("s" + subtask + " fraud v" + servedVersion),
                    scored(harness.extractOutputValues()));
        });
    }

    private static TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction>
            restore(OperatorSubtaskState fixture, FakeModelProvider provider) throws Exception {
        var restored = SavepointFixtures.restored(harness(List.of(), provider, 1, 0),
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                        fixture, MAX_PARALLELISM, 2, 1, 0));
        runMails(restored);
        return restored;
    }

    private static TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction>
            harness(List<ModelControl> initial, FakeModelProvider provider, int parallelism,
                    int subtask) throws Exception {
        var operator = new MicroBatchInferenceOperator(initial, provider, batching(100, LONG))
                .withWaiting(new WaitingSettings(GRACE, 1_000));
        return SavepointFixtures.withoutGenericTypes(new TwoInputStreamOperatorTestHarness<>(
                operator, MAX_PARALLELISM, parallelism, subtask));
    }

    /** "event model vVersion" per prediction, sorted. */
    private static List<String> scored(List<Prediction> predictions) {
        return predictions.stream()
                .map(p -> p.getEventId() + " " + p.getModel() + " v" + p.getModelVersion())
                .sorted()
                .toList();
    }

    private static List<String> statusesOf(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return statuses(harness).stream()
                .map(s -> s.getModel() + " " + s.getState() + " v" + s.getVersion() + " g"
                        + s.getGeneration())
                .toList();
    }
}
