package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.batching;
import static io.inferflow.operators.inference.InferenceHarness.deadLetters;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.ids;
import static io.inferflow.operators.inference.InferenceHarness.opened;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.Models.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Events that arrive before their model can score them wait instead of going to dead letters:
 * for a first version that is loading, and for a model no control record has named yet within
 * the grace; at a checkpoint they go into operator state; at the waiting bound the operator stops
 * taking input.
 */
class WaitingEventsTest {

    private static final Duration LONG = Duration.ofHours(1);
    private static final Duration GRACE = Duration.ofSeconds(30);

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    private MicroBatchInferenceOperator operatorWith(int maxWaiting) {
        return new MicroBatchInferenceOperator(List.of(), provider, batching(100, LONG))
                .withWaiting(new WaitingSettings(GRACE, maxWaiting));
    }

    @Test
    void eventsOfAModelNotYetKnownWaitForItsFirstControlRecord() throws Exception {
        try (var harness = opened(operatorWith(1_000))) {
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "fraud", 3f, 4f), 0L);
            harness.setProcessingTime(GRACE.toMillis() - 1);
            assertEquals(List.of(), deadLetters(harness));
            assertEquals(2, operator(harness).bufferedRecords());

            harness.processElement2(deploy("fraud", 1, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e3", "fraud", 5f, 6f), 0L);
            harness.endInput1();

            assertEquals(List.of("e1", "e2", "e3"), ids(harness.extractOutputValues()));
            assertEquals(List.of(), deadLetters(harness));
        }
    }

    @Test
    void theGraceCountsFromTheModelsFirstEventAndEndsInDeadLetters() throws Exception {
        try (var harness = opened(operatorWith(1_000))) {
            harness.setProcessingTime(10_000);
            harness.processElement1(event("e1", "spam", 1f, 2f), 0L);
            harness.setProcessingTime(20_000);
            harness.processElement1(event("e2", "spam", 1f, 2f), 0L);
            harness.setProcessingTime(10_000 + GRACE.toMillis());

            var dead = deadLetters(harness);
            assertEquals(2, dead.size());
            dead.forEach(d -> assertEquals(ErrorTypes.UNKNOWN_MODEL, d.getErrorType()));
            harness.processElement1(event("e3", "spam", 1f, 2f), 0L);
            assertEquals(3, deadLetters(harness).size(), "past its grace, at once");
            assertEquals(0, operator(harness).bufferedRecords());
        }
    }

    @Test
    void waitingEventsGoIntoTheCheckpointAndAreScoredOnceAfterRestore() throws Exception {
        provider.block("fraud", 1);
        OperatorSubtaskState snapshot;
        // The run that fails after the checkpoint: a short load timeout, so that closing it
        // does not wait for the blocked load.
        var failing = new MicroBatchInferenceOperator(
                List.of(), provider, batching(100, LONG), Duration.ofMillis(100))
                .withWaiting(new WaitingSettings(GRACE, 1_000));
        try (var harness = opened(failing)) {
            harness.processElement2(deploy("fraud", 1, 1), 0L);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            harness.processElement1(event("e2", "other", 1f, 2f), 0L);
            harness.prepareSnapshotPreBarrier(1L);
            snapshot = harness.snapshot(1L, 100L);
            assertEquals(List.of(), harness.extractOutputValues());
            assertEquals(List.of(), deadLetters(harness), "a barrier dead-letters nothing");
        } finally {
            provider.release("fraud", 1);
        }

        FakeModelProvider restoredProvider =
                new FakeModelProvider(Map.of("fraud", 2, "other", 2));
        var restoredOperator =
                new MicroBatchInferenceOperator(List.of(), restoredProvider, batching(100, LONG))
                        .withWaiting(new WaitingSettings(GRACE, 1_000));
        try (var restored = new TwoInputStreamOperatorTestHarness<>(restoredOperator)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement2(deploy("other", 1, 1), 0L);
            awaitFinishedLoads(restored, 1);
            restored.endInput1();

            assertEquals(List.of("e1", "e2"), ids(restored.extractOutputValues()).stream()
                    .sorted().toList());
            assertEquals(List.of(), deadLetters(restored));
        }
    }

    @Test
    void atTheBoundTheOperatorStopsTakingEventsUntilRoomIsMade() throws Exception {
        try (var harness = opened(operatorWith(3))) {
            for (int i = 0; i < 3; i++) {
                harness.processElement1(event("e" + i, "spam", 1f, 2f), 0L);
            }
            assertEquals(3, operator(harness).bufferedRecords());

            // The fourth event must not be taken until a mail ends the grace of the three.
            AtomicBoolean graceEnded = new AtomicBoolean();
            AtomicInteger bufferedWhenBlocked = new AtomicInteger(-1);
            TaskMailbox mailbox = harness.getTaskMailbox();
            Thread taskThread = Thread.currentThread();
            Thread later = new Thread(() -> {
                try {
                    // Once the task thread waits in the mailbox, not before.
                    CommonTestUtils.waitUtil(
                            () -> taskThread.getState() == Thread.State.WAITING
                                    || taskThread.getState() == Thread.State.TIMED_WAITING,
                            Duration.ofSeconds(10), Duration.ofMillis(5),
                            "the task thread never blocked at the bound");
                    mailbox.put(new Mail(() -> {
                        bufferedWhenBlocked.set(operator(harness).bufferedRecords());
                        graceEnded.set(true);
                        harness.setProcessingTime(GRACE.toMillis());
                    }, TaskMailbox.MIN_PRIORITY, "end the grace"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            later.start();
            harness.processElement1(event("e3", "ham", 1f, 2f), 0L);
            later.join();

            assertTrue(graceEnded.get(), "processElement1 returned before room was made");
            assertEquals(3, bufferedWhenBlocked.get(), "the bound held while blocked");
            assertEquals(3, deadLetters(harness).size(), "the three whose grace ended");
            assertEquals(1, operator(harness).bufferedRecords(), "the fourth waits now");
            assertFalse(deadLetters(harness).stream()
                    .anyMatch(d -> d.getEventId().equals("e3")));
        }
    }

    @Test
    void aLoadThatFinishesAfterCloseIsReleased() throws Exception {
        provider.blockUninterruptibly("fraud", 1);
        var operator = new MicroBatchInferenceOperator(
                List.of(), provider, batching(100, LONG), Duration.ofMillis(100));
        try (var harness = opened(operator)) {
            harness.processElement2(deploy("fraud", 1, 1), 0L);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
        }
        // The operator closed while the load ran; it finishes now, on the loader thread.
        provider.release("fraud", 1);
        CommonTestUtils.waitUtil(() -> provider.created().size() == 1, Duration.ofSeconds(10),
                Duration.ofMillis(5), "the late load never made its session");
        CommonTestUtils.waitUtil(() -> provider.openHandles() == 0, Duration.ofSeconds(10),
                Duration.ofMillis(5), "the late load's session was never released");
    }
}
