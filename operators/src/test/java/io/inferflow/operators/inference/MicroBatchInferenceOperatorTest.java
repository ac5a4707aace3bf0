package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.buffered;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.InferenceHarness.single;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

class MicroBatchInferenceOperatorTest {

    private static final ModelControl FRAUD = Models.initial("fraud", 3);
    private static final ModelControl CHURN = Models.initial("churn", 7);
    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider factory =
            new FakeModelProvider(Map.of("fraud", 2, "churn", 3));

    @Test
    void flushesBatchOnMaxSize() throws Exception {
        try (var harness = open(batching(3, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 10L);
            harness.processElement1(event("e2", "fraud", 3f, 4f), 11L);
            assertEquals(List.of(), harness.extractOutputValues());

            harness.processElement1(event("e3", "fraud", 5f, 6f), 12L);

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of("e1", "e2", "e3"), ids(out));
            assertEquals(List.of(2f, 4f), out.get(0).getScores());
            assertEquals(List.of(10f, 12f), out.get(2).getScores());
            assertEquals(List.of(3), factory.scorer("fraud").batchSizes);
            assertEquals(0, harness.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void flushesBatchAfterMaxDelay() throws Exception {
        try (var harness = open(batching(100, Duration.ofMillis(10)))) {
            harness.setProcessingTime(1_000);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.setProcessingTime(1_005);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            harness.setProcessingTime(1_009);
            assertEquals(List.of(), harness.extractOutputValues());

            harness.setProcessingTime(1_010);
            assertEquals(List.of("e1", "e2"), ids(harness.extractOutputValues()));

            // A new batch waits its own full delay, not the rest of an earlier timer's.
            harness.setProcessingTime(1_015);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);
            harness.setProcessingTime(1_024);
            assertEquals(2, harness.extractOutputValues().size());
            harness.setProcessingTime(1_025);
            assertEquals(List.of("e1", "e2", "e3"), ids(harness.extractOutputValues()));
            assertEquals(List.of(2, 1), factory.scorer("fraud").batchSizes);
        }
    }

    @Test
    void flushesEveryRecordWhenMaxDelayIsZero() throws Exception {
        try (var harness = open(batching(100, Duration.ZERO))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));
            assertEquals(0, harness.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void flushesBatchBeforeCheckpointBarrier() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("c1", "churn", 1f, 2f, 3f), 0L);

            harness.prepareSnapshotPreBarrier(1L);

            assertEquals(List.of("e1", "c1"), ids(harness.extractOutputValues()));
            assertEquals(0, buffered(harness));
        }
    }

    @Test
    void flushesBatchBeforeWatermark() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 5L);
            harness.processWatermark1(new Watermark(6L));

            List<Object> out = new ArrayList<>(harness.getOutput());
            assertEquals(2, out.size());
            Prediction first = (Prediction) ((StreamRecord<?>) out.get(0)).getValue();
            assertEquals("e1", first.getEventId());
            assertEquals(new Watermark(6L), out.get(1));
        }
    }

    @Test
    void flushesBatchAtEndOfInput() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.endInput1();
            assertEquals(List.of("e1"), ids(harness.extractOutputValues()));

            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            operator(harness).finish();
            assertEquals(List.of("e1", "e2"), ids(harness.extractOutputValues()));
        }
    }

    @Test
    void emitsNothingTwiceAfterRestore() throws Exception {
        OperatorSubtaskState snapshot;
        List<Prediction> beforeFailure;
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 3f, 4f), 0L);
            harness.prepareSnapshotPreBarrier(1L);
            snapshot = harness.snapshot(1L, 100L);
            beforeFailure = harness.extractOutputValues();
        }
        assertEquals(List.of("e1", "e2"), ids(beforeFailure));

        FakeModelProvider restoredFactory = new FakeModelProvider(Map.of("fraud", 2));
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(FRAUD), restoredFactory, batching(100, LONG));
        try (var restored = new TwoInputStreamOperatorTestHarness<>(operator)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(event("e3", "fraud", 5f, 6f), 0L);
            restored.endInput1();

            List<Prediction> afterRestore = restored.extractOutputValues();
            assertEquals(List.of("e3"), ids(afterRestore));
            assertEquals(List.of(10f, 12f), afterRestore.get(0).getScores());
            assertEquals(List.of(1), restoredFactory.scorer("fraud").batchSizes);
        }
    }

    @Test
    void keepsBatchesOfDifferentModelsApart() throws Exception {
        try (var harness = open(batching(2, LONG))) {
            harness.processElement1(event("f1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("c1", "churn", 1f, 2f, 3f), 0L);
            assertEquals(2, buffered(harness));
            harness.processElement1(event("f2", "fraud", 3f, 4f), 0L);
            assertEquals(List.of("f1", "f2"), ids(harness.extractOutputValues()));
            harness.processElement1(event("c2", "churn", 4f, 5f, 6f), 0L);

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of("f1", "f2", "c1", "c2"), ids(out));
            assertEquals(3L, out.get(1).getModelVersion());
            assertEquals(7L, out.get(2).getModelVersion());
            assertEquals(List.of(8f, 10f, 12f), out.get(3).getScores());
            assertEquals(List.of(2), factory.scorer("fraud").batchSizes);
            assertEquals(List.of(2), factory.scorer("churn").batchSizes);
            assertEquals(0, buffered(harness));
        }
    }

    @Test
    void buildsPredictionFromEventAndKeepsRecordTimestamp() throws Exception {
        try (var harness = open(batching(1, LONG))) {
            harness.setProcessingTime(5_000);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 77L);

            StreamRecord<? extends Prediction> record =
                    single(harness.extractOutputStreamRecords());
            Prediction p = record.getValue();
            assertEquals(77L, record.getTimestamp());
            assertEquals("e1", p.getEventId());
            assertEquals("entity-e1", p.getEntityId());
            assertEquals("fraud", p.getModel());
            assertEquals(3L, p.getModelVersion());
            assertEquals(Instant.ofEpochMilli(1_234), p.getEventTime());
            assertEquals(Instant.ofEpochMilli(5_000), p.getScoredAt());
        }
    }

    @Test
    void closesScorersOnClose() throws Exception {
        var harness = open(batching(100, LONG));
        harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
        assertFalse(factory.scorer("fraud").closed);

        harness.close();

        assertEquals(2, factory.created().size());
        assertTrue(factory.created().stream().allMatch(s -> s.closed));
    }

    @Test
    void reportsInitialModelThatCannotBeLoadedAndServesTheOthers() throws Exception {
        FakeModelProvider onlyFraud = new FakeModelProvider(Map.of("fraud", 2));
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(FRAUD, CHURN), onlyFraud, batching(100, LONG));
        try (var harness = new TwoInputStreamOperatorTestHarness<>(operator)) {
            harness.open();
            harness.processElement1(event("c1", "churn", 1f, 2f, 3f), 0L);
            harness.processElement1(event("f1", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            assertEquals(List.of("f1"), ids(harness.extractOutputValues()));
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.UNKNOWN_MODEL, dl.getErrorType());
            assertEquals(
                    "model 'churn' is not served: 'churn' v7 was rejected (FETCH_FAILED: "
                            + "no file at 'file:///models/churn-7.onnx')",
                    dl.getErrorMessage());
            ModelStatus rejected =
                    statuses(harness).stream()
                            .filter(st -> st.getState() == ModelState.REJECTED)
                            .collect(Collectors.collectingAndThen(
                                    Collectors.toList(), InferenceHarness::single));
            assertEquals("churn", rejected.getModel());
            assertEquals(
                    "FETCH_FAILED: no file at 'file:///models/churn-7.onnx'",
                    rejected.getReason());
        }
    }

    @Test
    void rejectsModelNamedTwice() {
        ModelControl fraud4 = Models.initial("fraud", 4);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new MicroBatchInferenceOperator(
                                        List.of(FRAUD, fraud4), factory, batching(1, LONG)));
        assertEquals(
                "model 'fraud' is given twice (v3 and v4); serve one version per name",
                e.getMessage());
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            BatchingSettings batching) throws Exception {
        return opened(new MicroBatchInferenceOperator(List.of(FRAUD, CHURN), factory, batching));
    }
}
