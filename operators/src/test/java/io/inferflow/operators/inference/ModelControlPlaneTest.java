package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.describe;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.InferenceHarness.single;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.InferenceHarness.versions;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static io.inferflow.operators.inference.Models.retire;
import static io.inferflow.operators.inference.Models.rollback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.LoadFailure;
import io.inferflow.model.ModelDescriptor;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The control side of {@link MicroBatchInferenceOperator}: loads, swaps, rollback, retire. */
class ModelControlPlaneTest {

    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    @Test
    void swapsToNewVersionBetweenBatches() throws Exception {
        provider.block("fraud", 2);
        try (var harness = open(List.of(initial("fraud", 1)), provider, 3)) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e4", "fraud", 1f, 2f), 0L);

            provider.release("fraud", 2);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e5", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of("e1", "e2", "e3", "e4", "e5"), ids(out));
            assertEquals(List.of(1L, 1L, 1L, 1L, 2L), versions(out));
            assertEquals(List.of(3, 1), scorer(1).batchSizes, "v1's last batch flushed first");
            assertEquals(List.of(1), scorer(2).batchSizes);
            assertEquals(List.of(), deadLetters(harness));
            assertEquals(
                    List.of("LOADED v1 g0", "ACTIVE v1 g0", "LOADED v2 g1", "ACTIVE v2 g1"),
                    describe(statuses(harness)));
        }
    }

    @Test
    void keepsServingPreviousVersionWhenLoadFails() throws Exception {
        provider.fail(
                "fraud",
                2,
                LoadFailure.SHA256_MISMATCH,
                "model 'fraud' v2: expected sha256 ab.., got cd..");
        try (var harness = open(List.of(initial("fraud", 1)), provider, 100)) {
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            // The same record again (a duplicate) is not retried.
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            harness.endInput1();

            assertEquals(List.of(1L), versions(harness.extractOutputValues()));
            ModelStatus rejected = last(statuses(harness));
            assertEquals(ModelState.REJECTED, rejected.getState());
            assertEquals(2L, rejected.getVersion());
            assertEquals(
                    "SHA256_MISMATCH: model 'fraud' v2: expected sha256 ab.., got cd..",
                    rejected.getReason());
            assertEquals(List.of(1L, 2L), acquiredVersions());
            ModelMetrics metrics = operator(harness).modelMetrics("fraud");
            assertEquals(1, metrics.loads());
            assertEquals(1, metrics.loadFailures());
        }
    }

    @Test
    void ignoresStaleAndDuplicateControlRecords() throws Exception {
        provider.block("fraud", 2);
        try (var harness = open(List.of(), provider, 100)) {
            harness.processElement2(deploy("fraud", 2, 5), 0L);
            harness.processElement2(deploy("fraud", 1, 4), 0L);
            harness.processElement2(deploy("fraud", 2, 5), 0L);
            provider.release("fraud", 2);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement2(rollback("fraud", 1, 3), 0L);
            harness.endInput1();

            assertEquals(List.of(2L), versions(harness.extractOutputValues()));
            assertEquals(List.of(2L), acquiredVersions());
            assertEquals(List.of("LOADED v2 g5", "ACTIVE v2 g5"), describe(statuses(harness)));
        }
    }

    @Test
    void rollbackServesTheNamedVersion() throws Exception {
        try (var harness = open(List.of(initial("fraud", 1)), provider, 100)) {
            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement2(rollback("fraud", 1, 2), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of("e1", "e2"), ids(out));
            assertEquals(List.of(2L, 1L), versions(out));
            assertEquals("ACTIVE v1 g2", last(describe(statuses(harness))));
            assertEquals(1L, (long) activeVersion(harness));
        }
    }

    @Test
    void retireDeadLettersLaterEvents() throws Exception {
        try (var harness = open(List.of(initial("fraud", 1)), provider, 100)) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement2(retire("fraud", 1, 1), 0L);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);

            assertEquals(List.of("e1"), ids(harness.extractOutputValues()), "batch flushed first");
            DeadLetter dl = single(deadLetters(harness));
            assertEquals("e2", dl.getEventId());
            assertEquals(ErrorTypes.UNKNOWN_MODEL, dl.getErrorType());
            assertEquals("model 'fraud' is retired", dl.getErrorMessage());
            assertEquals("RETIRED v1 g1", last(describe(statuses(harness))));
            assertEquals(0, provider.openHandles());
            assertEquals(0L, (long) activeVersion(harness));

            // A later deploy serves the model again.
            harness.processElement2(deploy("fraud", 3, 2), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);
            harness.endInput1();
            assertEquals(List.of(1L, 3L), versions(harness.extractOutputValues()));
        }
    }

    @Test
    void closesOldVersionAfterSwap() throws Exception {
        var harness = open(List.of(initial("fraud", 1)), provider, 100);
        for (int v = 2; v <= 30; v++) {
            harness.processElement1(event("e" + v, "fraud", 1f, 2f), 0L);
            harness.processElement2(deploy("fraud", v, v - 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("f" + v, "fraud", 1f, 2f), 0L);
            assertEquals(1, provider.openHandles(), "after the swap to v" + v);
        }
        harness.endInput1();
        assertEquals(58, harness.extractOutputValues().size());
        assertEquals(30, provider.created().size());

        harness.close();
        assertEquals(0, provider.openHandles());
    }

    @Test
    void scoresEventsThatWaitedOnceTheFirstLoadFinished() throws Exception {
        provider.block("fraud", 1);
        try (var harness = open(List.of(), provider, 100)) {
            harness.processElement2(deploy("fraud", 1, 1), 0L);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 3f, 4f), 0L);
            assertEquals(List.of(), harness.extractOutputValues());
            assertEquals(2, operator(harness).bufferedRecords());

            provider.release("fraud", 1);
            awaitFinishedLoads(harness, 1);
            harness.prepareSnapshotPreBarrier(1L);

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of("e1", "e2"), ids(out));
            assertEquals(List.of(6f, 8f), out.get(1).getScores());
            assertEquals(0, operator(harness).bufferedRecords());
            assertEquals(List.of(), deadLetters(harness));
        }
    }

    @Test
    void deadLettersWaitingEventsWhenFirstLoadTimesOutAtEndOfInput() throws Exception {
        provider.block("fraud", 1);
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(), provider, batching(100), Duration.ofMillis(50));
        try (var harness = new TwoInputStreamOperatorTestHarness<>(operator)) {
            harness.open();
            harness.processElement2(deploy("fraud", 1, 1), 0L);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);

            harness.endInput1();

            assertEquals(List.of(), harness.extractOutputValues());
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(
                    "model 'fraud' is not served: 'fraud' v1 did not load within 50 ms",
                    dl.getErrorMessage());
            assertEquals(0, operator.bufferedRecords());
        }
    }

    @Test
    void emitsStatusPerSubtask() throws Exception {
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(initial("fraud", 1)), provider, batching(100));
        try (var harness = new TwoInputStreamOperatorTestHarness<>(operator, 8, 3, 2)) {
            harness.open();
            InferenceHarness.runMails(harness);

            List<ModelStatus> statuses = statuses(harness);
            assertEquals(List.of("LOADED v1 g0", "ACTIVE v1 g0"), describe(statuses));
            for (ModelStatus status : statuses) {
                assertEquals("fraud", status.getModel());
                assertEquals(2, status.getSubtask());
                assertEquals(3, status.getParallelism());
            }
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            List<ModelControl> initial, FakeModelProvider provider, int maxSize)
            throws Exception {
        return opened(new MicroBatchInferenceOperator(initial, provider, batching(maxSize)));
    }

    private static BatchingSettings batching(int maxSize) {
        return InferenceHarness.batching(maxSize, LONG);
    }

    private static Long activeVersion(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return operator(harness).activeVersion("fraud");
    }

    private FakeModelProvider.FakeScorer scorer(long version) {
        return provider.created().stream()
                .filter(s -> s.descriptor.version() == version)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no scorer for v" + version));
    }

    private List<Long> acquiredVersions() {
        return provider.acquired().stream()
                .map(ModelDescriptor::version)
                .collect(Collectors.toList());
    }

    private static <T> T last(List<T> values) {
        assertTrue(!values.isEmpty(), "expected at least one value");
        return values.get(values.size() - 1);
    }
}
