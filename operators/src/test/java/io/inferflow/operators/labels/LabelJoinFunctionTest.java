package io.inferflow.operators.labels;

import io.inferflow.operators.metrics.LabelMetrics;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.LabelOutcome;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LabelJoinFunction}: either order, expiry, duplicates, the bound, restore (also at another
 * parallelism), and the metric values.
 */
class LabelJoinFunctionTest {

    private static final int MAX_PARALLELISM = 128;
    private static final LabelSettings SETTINGS =
            new LabelSettings(Duration.ofMinutes(1), 0.5, 4, 1_000);

    @Test
    void joinsInEitherOrderAndComputesAccuracyLogLossAndError() throws Exception {
        try (var harness = open()) {
            harness.processElement1(prediction("e1", "fraud", 3, 0.9f), 0L);
            harness.processElement2(label("e1", 1.0), 0L);
            harness.processElement2(label("e2", 0.0), 0L);
            harness.processElement1(prediction("e2", "fraud", 3, 0.8f), 0L);

            LabelMetrics m = join(harness).metrics("fraud", 3L);
            List<LabelOutcome> out = harness.extractOutputValues();
            assertEquals(List.of(true, false), out.stream().map(LabelOutcome::getCorrect).toList(),
                    "one outcome per joined pair, for the drift windows");
            assertEquals(2, m.labeled());
            assertEquals(1, m.correct(), "0.9 for a 1 is right, 0.8 for a 0 is wrong");
            assertEquals(0.5, m.accuracy(), 1e-12);
            assertEquals((-Math.log(0.9f) - Math.log(1 - 0.8f)) / 2, m.logLoss(), 1e-6);
            assertEquals((Math.abs(0.9f - 1.0) + Math.abs(0.8f - 0.0)) / 2, m.absoluteError(),
                    1e-6);
        }
    }

    @Test
    void gaugesCoverTheLastWindowOfLabels() throws Exception {
        try (var harness = open()) {
            for (int i = 0; i < 4; i++) {
                harness.processElement1(prediction("w" + i, "m", 1, 0.1f), 0L);
                harness.processElement2(label("w" + i, 1.0), 0L);
            }
            for (int i = 0; i < 4; i++) {
                harness.processElement1(prediction("r" + i, "m", 1, 0.9f), 0L);
                harness.processElement2(label("r" + i, 1.0), 0L);
            }
            LabelMetrics m = join(harness).metrics("m", 1L);
            assertEquals(8, m.labeled());
            assertEquals(4, m.correct());
            assertEquals(1.0, m.accuracy(), 1e-12, "the window of 4 holds only right ones");
            assertEquals(-Math.log(0.9f), m.logLoss(), 1e-6);
        }
    }

    @Test
    void countsPredictionsAndLabelsThatFindNoPartnerWithinTheWindow() throws Exception {
        try (var harness = open()) {
            harness.setProcessingTime(1_000);
            harness.processElement1(prediction("p", "fraud", 3, 0.7f), 0L);
            harness.processElement2(label("orphan", 1.0), 0L);
            harness.setProcessingTime(1_000 + 60_000);

            LabelMetrics m = join(harness).metrics("fraud", 3L);
            assertEquals(0, m.labeled());
            assertEquals(1, m.expiredCount());
            assertEquals(1, join(harness).unmatched());
            assertEquals(0, join(harness).pending(), "the join forgets expired keys");

            harness.processElement2(label("p", 1.0), 0L);
            assertEquals(0, m.labeled(), "too late: the prediction was forgotten");
        }
    }

    @Test
    void countsASecondLabelWhileTheFirstWaitsAsDuplicate() throws Exception {
        try (var harness = open()) {
            harness.processElement2(label("e1", 1.0), 0L);
            harness.processElement2(label("e1", 0.0), 0L);
            harness.processElement1(prediction("e1", "fraud", 3, 0.9f), 0L);

            assertEquals(1, join(harness).metrics("fraud", 3L).labeled());
            assertEquals(1, join(harness).metrics("fraud", 3L).correct(), "the first label counts");
            assertEquals(1, join(harness).duplicates());
            assertEquals(0, join(harness).pending(), "a joined pair leaves the state at once");
        }
    }

    @Test
    void aLabelRepeatedAfterItsJoinWaitsInVainAndCountsUnmatched() throws Exception {
        try (var harness = open()) {
            harness.processElement1(prediction("e1", "fraud", 3, 0.9f), 0L);
            harness.processElement2(label("e1", 1.0), 0L);
            harness.processElement2(label("e1", 1.0), 0L);
            harness.setProcessingTime(120_000);

            assertEquals(1, join(harness).metrics("fraud", 3L).labeled());
            assertEquals(1, join(harness).unmatched());
            assertEquals(0, join(harness).pending());
        }
    }

    @Test
    void aWaitingPredictionSurvivesRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = open()) {
            harness.processElement1(prediction("e1", "fraud", 3, 0.9f), 0L);
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            assertNull(join(restored).metrics("fraud", 3L));
            restored.processElement2(label("e1", 1.0), 0L);
            assertEquals(1, join(restored).metrics("fraud", 3L).labeled());
        }
    }

    @Test
    void staysAtItsBoundWhenLabelsNeverArriveAndCountsEvictions() throws Exception {
        try (var harness = harness(SETTINGS.withMaxPending(100), 1, 0)) {
            harness.open();
            for (int i = 0; i < 1_000; i++) {
                harness.processElement1(prediction("e" + i, "fraud", 3, 0.5f), 0L);
            }
            assertEquals(100, join(harness).pending());
            assertEquals(900, join(harness).evicted());
            // The newest 100 are held: a label for one of them still joins, an old one does not.
            harness.processElement2(label("e999", 1.0), 0L);
            harness.processElement2(label("e0", 1.0), 0L);
            assertEquals(1, join(harness).metrics("fraud", 3L).labeled());
            assertEquals(100, join(harness).pending(),
                    "e999 left with its join; e0's label waits in its place");
            assertEquals(900, join(harness).evicted());
        }
    }

    @Test
    void restoresEachEntryOnTheSubtaskItsKeyGoesToAtANewParallelism() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(SETTINGS, 1, 0)) {
            harness.open();
            for (int i = 0; i < 200; i++) {
                harness.processElement1(prediction("e" + i, "fraud", 3, 0.9f), 0L);
            }
            snapshot = harness.snapshot(1L, 1L);
        }
        int held = 0;
        int joined = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var restored = harness(SETTINGS, 2, subtask)) {
                restored.initializeState(
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(
                                snapshot, MAX_PARALLELISM, 1, 2, subtask));
                restored.open();
                held += join(restored).pending();
                for (int i = 0; i < 200; i++) {
                    String id = "e" + i;
                    if (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                    id, MAX_PARALLELISM, 2) == subtask) {
                        restored.processElement2(label(id, 1.0), 0L);
                    }
                }
                joined += (int) join(restored).metrics("fraud", 3L).labeled();
                assertEquals(0, join(restored).evicted());
            }
        }
        assertEquals(200, held, "each entry restored on exactly one subtask");
        assertEquals(200, joined, "every label met its prediction where its key went");
    }

    @Test
    void rejectsInvalidLabels() {
        assertTrue(LabelDecodeFunction.invalid(label("", 1.0)).contains("event_id"));
        assertTrue(LabelDecodeFunction.invalid(label("e", Double.NaN)).contains("NaN"));
        assertNull(LabelDecodeFunction.invalid(label("e", 0.0)));
    }

    // --- helpers

    private static KeyedTwoInputStreamOperatorTestHarness<String, Prediction, Label, LabelOutcome>
            open() throws Exception {
        var harness = harness();
        harness.open();
        return harness;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Prediction, Label, LabelOutcome>
            harness() throws Exception {
        return harness(SETTINGS, 1, 0);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Prediction, Label, LabelOutcome>
            harness(LabelSettings settings, int parallelism, int subtask) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new LabelJoinFunction(settings)),
                Prediction::getEventId,
                Label::getEventId,
                Types.STRING,
                MAX_PARALLELISM,
                parallelism,
                subtask);
    }

    private static LabelJoinFunction join(
            KeyedTwoInputStreamOperatorTestHarness<String, Prediction, Label, LabelOutcome>
                    harness) {
        return (LabelJoinFunction)
                ((KeyedCoProcessOperator<?, ?, ?, ?>) harness.getOperator()).getUserFunction();
    }

    private static Prediction prediction(String id, String model, long version, float score) {
        return Prediction.newBuilder()
                .setEventId(id)
                .setEntityId("x")
                .setModel(model)
                .setModelVersion(version)
                .setScores(List.of(score))
                .setEventTime(Instant.EPOCH)
                .setScoredAt(Instant.EPOCH)
                .build();
    }

    private static Label label(String id, double value) {
        return Label.newBuilder().setEventId(id).setLabel(value).build();
    }
}
