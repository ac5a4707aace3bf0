package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.operators.SideOutputs;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.Collectors;

/**
 * Drives and reads the inference operator in its test harness: events, the operator behind a
 * harness, its side outputs, and a bounded wait for the loader thread. Shared by the operator's
 * tests.
 */
final class InferenceHarness {

    private InferenceHarness() {}

    /** A harness around {@code operator}, opened. */
    static TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> opened(
            MicroBatchInferenceOperator operator) throws Exception {
        var harness = new TwoInputStreamOperatorTestHarness<>(operator);
        harness.open();
        return harness;
    }

    static BatchingSettings batching(int maxSize, Duration maxDelay) {
        return BatchingSettings.builder().maxSize(maxSize).maxDelay(maxDelay).build();
    }

    static DecodedEvent event(String id, String model, float... features) {
        List<Float> values = new ArrayList<>();
        for (float f : features) {
            values.add(f);
        }
        FeatureEvent event =
                FeatureEvent.newBuilder()
                        .setEventId(id)
                        .setEntityId("entity-" + id)
                        .setModel(model)
                        .setEventTime(Instant.ofEpochMilli(1_234))
                        .setFeatures(values)
                        .build();
        RawRecord source =
                new RawRecord(
                        "features",
                        4,
                        42L,
                        1_000L,
                        ("entity-" + id).getBytes(StandardCharsets.UTF_8),
                        ("bytes of " + id).getBytes(StandardCharsets.UTF_8));
        return new DecodedEvent(event, source);
    }

    static MicroBatchInferenceOperator operator(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return (MicroBatchInferenceOperator) harness.getOperator();
    }

    /** Waits (bounded) until the loader thread has handed over {@code n} finished loads. */
    static void awaitFinishedLoads(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness,
            int n) {
        MicroBatchInferenceOperator operator = operator(harness);
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> CommonTestUtils.waitUntilCondition(() -> operator.finishedLoads() >= n, 1L));
        // The loader posts its mail just after queueing the result: run mails until the task
        // thread has taken every finished load.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        do {
            runMails(harness);
            if (operator.finishedLoads() == 0) {
                return;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("finished loads were never installed through the mailbox");
    }

    /**
     * Runs the mails the operator posted to its mailbox (finished loads, the statuses of open()),
     * as the task's mailbox loop would between two records.
     */
    static void runMails(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        try {
            java.util.Optional<org.apache.flink.streaming.runtime.tasks.mailbox.Mail> mail;
            while ((mail = harness.getTaskMailbox().tryTake(
                    org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox.MIN_PRIORITY))
                    .isPresent()) {
                mail.get().run();
            }
        } catch (Exception e) {
            throw new AssertionError("a mail failed", e);
        }
    }

    static int buffered(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        return operator(harness).bufferedRecords();
    }

    static List<DeadLetter> deadLetters(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        Queue<StreamRecord<DeadLetter>> side = harness.getSideOutput(SideOutputs.DEAD_LETTERS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    static List<ModelStatus> statuses(
            TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> harness) {
        Queue<StreamRecord<ModelStatus>> side = harness.getSideOutput(SideOutputs.MODEL_STATUS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    static List<String> ids(List<Prediction> predictions) {
        return predictions.stream().map(Prediction::getEventId).collect(Collectors.toList());
    }

    static <T> T single(List<T> values) {
        assertEquals(1, values.size(), "expected exactly one, got " + values);
        return values.get(0);
    }

    static List<Long> versions(List<Prediction> predictions) {
        return predictions.stream().map(Prediction::getModelVersion).collect(Collectors.toList());
    }

    static List<String> describe(List<ModelStatus> statuses) {
        return statuses.stream()
                .map(s -> s.getState() + " v" + s.getVersion() + " g" + s.getGeneration())
                .collect(Collectors.toList());
    }
}
