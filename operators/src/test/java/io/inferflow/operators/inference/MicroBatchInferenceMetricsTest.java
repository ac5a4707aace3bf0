package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.metrics.InferenceMetrics;
import io.inferflow.operators.metrics.ModelVersionMetrics;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The per model version metrics of {@link MicroBatchInferenceOperator}. */
class MicroBatchInferenceMetricsTest {

    private static final Duration LONG = Duration.ofHours(1);

    private final FakeModelProvider provider =
            new FakeModelProvider(Map.of("fraud", 2, "churn", 3));

    @Test
    void countsEventsPredictionsAndDeadLettersPerVersion() throws Exception {
        try (var harness = open(2)) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 1f), 0L);
            harness.processElement1(event("e3", "fraud", 1f, Float.NaN), 0L);
            harness.processElement1(event("e4", "fraud", 3f, 4f), 0L);
            harness.processElement1(event("e5", "fraud", 5f, 6f), 0L);
            harness.processElement1(event("c1", "churn", 1f, 2f, 3f), 0L);
            harness.processElement1(event("u1", "nope", 1f), 0L);
            harness.endInput1();

            ModelVersionMetrics fraud = versionMetrics(harness, "fraud", 3);
            assertEquals(5, fraud.eventsIn());
            assertEquals(3, fraud.predictionsOut());
            assertEquals(2, fraud.deadLetters());
            assertEquals(1, fraud.deadLetters(ErrorTypes.WRONG_WIDTH));
            assertEquals(1, fraud.deadLetters(ErrorTypes.NON_FINITE_FEATURE));
            assertEquals(2, fraud.batches());
            HistogramStatistics sizes = fraud.batchSize().getStatistics();
            assertEquals(2, fraud.batchSize().getCount());
            assertEquals(2, fraud.inferenceMicros().getCount());
            assertEquals(1, sizes.getMin());
            assertEquals(2, sizes.getMax());
            assertEquals(3, fraud.queueWaitMillis().getCount(), "one per prediction");
            assertEquals(3, fraud.eventTimeLatencyMillis().getCount());
            assertEquals(3, fraud.recordTimeLatencyMillis().getCount());

            ModelVersionMetrics churn = versionMetrics(harness, "churn", 7);
            assertEquals(1, churn.eventsIn());
            assertEquals(1, churn.predictionsOut());
            assertEquals(0, churn.deadLetters());

            InferenceMetrics all = operator(harness).metrics();
            assertEquals(7, all.eventsIn());
            assertEquals(4, all.predictionsOut());
            assertEquals(3, all.deadLetters());
            assertEquals(1, all.deadLetters(ErrorTypes.UNKNOWN_MODEL));
            assertEquals(1, all.deadLetters(ErrorTypes.WRONG_WIDTH));
        }
    }

    @Test
    void measuresQueueWaitAndLatencyAtEmitTime() throws Exception {
        try (var harness = open(2)) {
            // event(...) carries event_time 1,234 and a Kafka record timestamp of 1,000.
            harness.setProcessingTime(10_000);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.setProcessingTime(10_050);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);

            ModelVersionMetrics fraud = versionMetrics(harness, "fraud", 3);
            HistogramStatistics wait = fraud.queueWaitMillis().getStatistics();
            assertEquals(0, wait.getMin());
            assertEquals(50, wait.getMax());
            HistogramStatistics eventTime = fraud.eventTimeLatencyMillis().getStatistics();
            assertEquals(10_050 - 1_234, eventTime.getMin());
            assertEquals(10_050 - 1_234, eventTime.getMax());
            HistogramStatistics recordTime = fraud.recordTimeLatencyMillis().getStatistics();
            assertEquals(10_050 - 1_000, recordTime.getMax());
        }
    }

    @Test
    void countsDeadLettersOfAFailedBatchAsInferenceFailed() throws Exception {
        try (var harness = open(2)) {
            harness.processElement1(event("e1", "fraud", FakeModelProvider.FAIL, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);

            ModelVersionMetrics fraud = versionMetrics(harness, "fraud", 3);
            assertEquals(2, fraud.eventsIn());
            assertEquals(0, fraud.predictionsOut());
            assertEquals(2, fraud.deadLetters(ErrorTypes.INFERENCE_FAILED));
            assertEquals(0, fraud.batches());
            assertEquals(0, fraud.batchSize().getCount());
        }
    }

    @Test
    void startsTheNewVersionsMetricsAtTheSwapAndReleasesTheOld() throws Exception {
        try (var harness = open(100)) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            ModelVersionMetrics v3 = versionMetrics(harness, "fraud", 3);
            harness.processElement2(deploy("fraud", 4, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e3", "fraud", 1f, 2f), 0L);
            harness.endInput1();

            // v3 stopped serving at the swap: its metrics are unregistered, only v4's remain.
            assertEquals(java.util.Set.of(4L),
                    operator(harness).modelMetrics("fraud").versions());
            ModelVersionMetrics v4 = versionMetrics(harness, "fraud", 4);
            assertEquals(1, v3.eventsIn());
            assertEquals(1, v3.predictionsOut());
            assertEquals(1, v3.batches(), "v3's batch was flushed at the swap");
            assertEquals(2, v4.eventsIn());
            assertEquals(2, v4.predictionsOut());
            assertEquals(1, v4.batchSize().getCount());
            assertEquals(2, v4.batchSize().getStatistics().getMax());
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open(
            int maxSize) throws Exception {
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(initial("fraud", 3), initial("churn", 7)),
                        provider,
                        BatchingSettings.builder().maxSize(maxSize).maxDelay(LONG).build());
        var harness = new TwoInputStreamOperatorTestHarness<>(operator);
        harness.open();
        return harness;
    }

    private static ModelVersionMetrics versionMetrics(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness,
            String model,
            long version) {
        return operator(harness).modelMetrics(model).version(version);
    }
}
