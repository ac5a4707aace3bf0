package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.InferenceHarness.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Events the inference operator does not score: each goes to dead letters with a reason that
 * names the value and the expectation (wrong width, unknown model, non-finite features, a model
 * failing on a batch); and the non-finite feature policies that score them instead.
 */
class MicroBatchDeadLettersTest {

    private static final ModelControl FRAUD = Models.initial("fraud", 3);
    private static final ModelControl CHURN = Models.initial("churn", 7);
    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider factory =
            new FakeModelProvider(Map.of("fraud", 2, "churn", 3));

    @Test
    void deadLettersWrongWidth() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f, 3f), 0L);
            harness.endInput1();

            assertEquals(List.of(), harness.extractOutputValues());
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.WRONG_WIDTH, dl.getErrorType());
            assertEquals(
                    "model 'fraud' v3: input has width 2, event carries 3", dl.getErrorMessage());
            assertEquals("features", dl.getTopic());
            assertEquals(4, dl.getPartition());
            assertEquals(42L, dl.getOffset());
            assertEquals("bytes of e1", utf8(dl.getValue().array()));
            assertEquals("entity-e1", utf8(dl.getKey().array()));
            assertEquals("e1", dl.getEventId());
            assertEquals("fraud", dl.getModel());
        }
    }

    @Test
    void deadLettersUnknownModelOnceItsGraceHasPassed() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.setProcessingTime(1_000);
            harness.processElement1(event("e1", "spam", 1f, 2f), 0L);
            harness.setProcessingTime(1_000 + WaitingSettings.DEFAULTS.unknownModelGrace()
                    .toMillis() - 1);
            assertEquals(List.of(), deadLetters(harness), "still within the grace");

            harness.setProcessingTime(1_000 + WaitingSettings.DEFAULTS.unknownModelGrace()
                    .toMillis());
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.UNKNOWN_MODEL, dl.getErrorType());
            assertEquals(
                    "model 'spam' is not served; served models: [churn, fraud]",
                    dl.getErrorMessage());
            assertEquals("spam", dl.getModel());
        }
    }

    @Test
    void rejectsNonFiniteFeaturesByDefault() throws Exception {
        try (var harness = open(batching(100, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, Float.NaN), 0L);
            harness.processElement1(event("e2", "fraud", Float.NEGATIVE_INFINITY, 1f), 0L);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            assertEquals(List.of("e3"), ids(harness.extractOutputValues()));
            List<DeadLetter> dls = deadLetters(harness);
            assertEquals(
                    List.of(ErrorTypes.NON_FINITE_FEATURE, ErrorTypes.NON_FINITE_FEATURE),
                    dls.stream().map(DeadLetter::getErrorType).collect(Collectors.toList()));
            assertEquals("model 'fraud' v3: feature 1 is NaN", dls.get(0).getErrorMessage());
            assertEquals(
                    "model 'fraud' v3: feature 0 is -Infinity", dls.get(1).getErrorMessage());
        }
    }

    @Test
    void zeroesNonFiniteFeaturesWithZeroPolicy() throws Exception {
        BatchingSettings zero =
                BatchingSettings.builder()
                        .maxSize(100)
                        .maxDelay(LONG)
                        .nonFinitePolicy(NonFiniteFeaturePolicy.ZERO)
                        .build();
        try (var harness = open(zero)) {
            harness.processElement1(event("e1", "fraud", Float.POSITIVE_INFINITY, 3f), 0L);
            harness.processElement1(event("e2", "fraud", Float.NaN, Float.NaN), 0L);
            harness.endInput1();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(List.of(0f, 6f), out.get(0).getScores());
            assertEquals(List.of(0f, 0f), out.get(1).getScores());
            assertEquals(List.of(), deadLetters(harness));
        }
    }

    @Test
    void passesNonFiniteFeaturesWithPassPolicyButNeverEmitsNonFiniteScores() throws Exception {
        BatchingSettings pass =
                BatchingSettings.builder()
                        .maxSize(100)
                        .maxDelay(LONG)
                        .nonFinitePolicy(NonFiniteFeaturePolicy.PASS)
                        .build();
        try (var harness = open(pass)) {
            // The fake model echoes its input: the NaN reaches it, and comes back as a score.
            harness.processElement1(event("e1", "fraud", Float.NaN, Float.NEGATIVE_INFINITY), 0L);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            assertEquals(List.of("e2"), ids(harness.extractOutputValues()));
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.NON_FINITE_OUTPUT, dl.getErrorType());
            assertTrue(dl.getErrorMessage().contains("NaN or an infinite value for 1 of 2 rows"),
                    dl.getErrorMessage());
        }
    }

    @Test
    void zeroesNonFiniteScoresWithZeroOutputPolicy() throws Exception {
        BatchingSettings zero =
                BatchingSettings.builder()
                        .maxSize(100)
                        .maxDelay(LONG)
                        .nonFinitePolicy(NonFiniteFeaturePolicy.PASS)
                        .nonFiniteOutputs(NonFiniteOutputPolicy.ZERO)
                        .build();
        try (var harness = open(zero)) {
            harness.processElement1(event("e1", "fraud", Float.NaN, 3f), 0L);
            harness.endInput1();

            Prediction p = single(harness.extractOutputValues());
            assertEquals(List.of(0f, 6f), p.getScores());
            assertEquals(List.of(), deadLetters(harness));
        }
    }

    @Test
    void deadLettersWholeBatchWhenScorerFails() throws Exception {
        try (var harness = open(batching(3, LONG))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", FakeModelProvider.FAIL, 2f), 0L);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);

            List<DeadLetter> dls = deadLetters(harness);
            assertEquals(
                    List.of("e1", "e2", "e3"),
                    dls.stream().map(DeadLetter::getEventId).collect(Collectors.toList()));
            for (DeadLetter dl : dls) {
                assertEquals(ErrorTypes.INFERENCE_FAILED, dl.getErrorType());
                assertEquals(
                        "model 'fraud' v3 failed on a batch of 3: cannot score row 1",
                        dl.getErrorMessage());
            }

            // The job goes on: the next batch is scored.
            harness.processElement1(event("e4", "fraud", 1f, 2f), 0L);
            harness.endInput1();
            assertEquals(List.of("e4"), ids(harness.extractOutputValues()));
            MicroBatchInferenceOperator operator = operator(harness);
            assertEquals(3, operator.metrics().deadLetters());
            assertEquals(1, operator.metrics().predictionsOut());
            assertEquals(4, operator.metrics().eventsIn());
            assertEquals(1, operator.metrics().batches());
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            BatchingSettings batching) throws Exception {
        return opened(new MicroBatchInferenceOperator(List.of(FRAUD, CHURN), factory, batching));
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
