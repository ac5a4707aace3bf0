package io.inferflow.operators.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.stream.Collectors;

/** The guardrails and reports of {@link RolloutJudge}. */
class RolloutJudgeTest {

    @Test
    void abortsACandidateAboveItsFailureRateOnceItTriedMinEvents() throws Exception {
        ModelControl rollout = rollout(5, guardrails().setMaxFailureRate(0.05).setMinEvents(100));
        try (var harness = harness()) {
            harness.processElement2(rollout, 0L);
            harness.processElement1(counts(5, 0, 60, 60, 0), 0L);
            assertEquals(List.of(), decisions(harness), "60 events are below min events");

            harness.processElement1(counts(5, 1, 60, 60, 0), 0L);
            ModelControl abort = single(decisions(harness));
            assertEquals(6L, abort.getGeneration());
            assertEquals(3L, abort.getVersion(), "back to the stable version");
            assertNull(abort.getCandidate());
            assertEquals(ModelAction.DEPLOY, abort.getAction());
            assertEquals(RolloutJudge.ISSUER, abort.getIssuedBy());
            assertEquals("aborted automatically: failure rate 100.0% > 5.0% after 120 events",
                    abort.getNote());
            RolloutReport report = last(harness);
            assertEquals(RolloutDecision.ABORTED, report.getDecision());
            assertEquals(120L, report.getCandidateFailures());

            harness.processElement1(counts(5, 0, 60, 60, 0), 0L);
            assertEquals(1, decisions(harness).size(), "decided once");
        }
    }

    @Test
    void promotesACandidateWithinItsGuardrailsAfterAutoPromoteEvents() throws Exception {
        ModelControl rollout = rollout(5,
                guardrails().setMaxFailureRate(0.05).setMinEvents(50).setAutoPromoteAfter(200));
        try (var harness = harness()) {
            harness.processElement2(rollout, 0L);
            harness.processElement1(counts(5, 0, 150, 0, 150), 0L);
            assertEquals(List.of(), decisions(harness));
            harness.processElement1(counts(5, 1, 60, 1, 60), 0L);

            ModelControl promote = single(decisions(harness));
            assertEquals(4L, promote.getVersion(), "the candidate's version");
            assertEquals(6L, promote.getGeneration());
            assertNull(promote.getCandidate());
            assertTrue(promote.getNote().startsWith(
                    "promoted automatically: within its guardrails after 210 events"),
                    promote.getNote());
        }
    }

    @Test
    void abortsOnScorePsi() throws Exception {
        ModelControl rollout = rollout(5, guardrails().setMaxScorePsi(0.2).setMinEvents(10));
        try (var harness = harness()) {
            harness.processElement2(rollout, 0L);
            // Stable scores all in bin 5, candidate's all in bin 18.
            harness.processElement1(counts(5, 0, 20, 0, 20), 0L);
            assertTrue(single(decisions(harness)).getNote()
                    .startsWith("aborted automatically: score PSI "));
        }
    }

    @Test
    void countsThatArriveBeforeTheirControlRecordWaitForItAndStaleOnesAreIgnored()
            throws Exception {
        ModelControl rollout = rollout(5, guardrails().setMaxFailureRate(0.0).setMinEvents(10));
        try (var harness = harness()) {
            harness.processElement1(counts(5, 0, 20, 20, 0), 0L);
            harness.processElement1(counts(4, 1, 500, 0, 500), 0L);
            assertEquals(List.of(), decisions(harness));
            harness.processElement2(rollout, 0L);
            assertEquals(6L, single(decisions(harness)).getGeneration());
            assertEquals(20L, last(harness).getCandidateEvents(), "generation 4's are not counted");
        }
    }

    @Test
    void reportsPeriodicallyAndHowAManualEndWentOut() throws Exception {
        ModelControl rollout = rollout(5, guardrails());
        try (var harness = harness()) {
            harness.setProcessingTime(0);
            harness.processElement2(rollout, 0L);
            harness.processElement1(counts(5, 0, 30, 0, 30), 0L);
            harness.setProcessingTime(1_000);
            RolloutReport running = last(harness);
            assertEquals(RolloutDecision.RUNNING, running.getDecision());
            assertEquals(30L, running.getCandidateEvents());
            assertEquals(0.0, running.getCandidateFailureRate());
            assertTrue(running.getScorePsi() > 1, "disjoint scores: " + running.getScorePsi());

            harness.processElement2(
                    Rollouts.promote(rollout, 6, Instant.EPOCH, "alice", "promoted by alice"), 0L);
            RolloutReport end = last(harness);
            assertEquals(RolloutDecision.PROMOTED, end.getDecision());
            assertEquals("promoted by alice", end.getReason());
            assertEquals(List.of(), decisions(harness));
        }
    }

    @Test
    void p99AndPsiFromTheBins() {
        RolloutTally tally = new RolloutTally("m", 1, 1, 2);
        for (int i = 0; i < 99; i++) {
            tally.scoredOne(false, 1_000, 0.1f);
        }
        tally.scoredOne(false, 64_000, 0.1f);
        RolloutCounts counts = tally.drain(0, 0);
        double p99 = RolloutStatistics.p99Millis(counts.getStable());
        assertTrue(p99 >= 1.0 && p99 < 1.2, "p99 " + p99);
        assertNull(RolloutStatistics.scorePsi(counts), "no candidate scores yet");
        assertEquals(List.of(true, false), List.of(
                RolloutStatistics.sameDecision(new float[] {0.7f}, 0, new float[] {0.9f}, 0, 1),
                RolloutStatistics.sameDecision(
                        new float[] {0.2f, 0.8f}, 0, new float[] {0.6f, 0.4f}, 0, 2)));
    }

    // --- helpers

    private static KeyedTwoInputStreamOperatorTestHarness<String, RolloutCounts, ModelControl,
            RolloutReport> harness() throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new RolloutJudge(Duration.ofSeconds(1))),
                RolloutCounts::getModel, ModelControl::getName, Types.STRING);
        harness.open();
        return harness;
    }

    private static ModelCandidate.Builder guardrails() {
        return ModelCandidate.newBuilder()
                .setVersion(4)
                .setUri("file:///m-4.onnx")
                .setMode(RolloutMode.CANARY)
                .setPercent(20);
    }

    private static ModelControl rollout(long generation, ModelCandidate.Builder candidate) {
        ModelControl stable = ModelControl.newBuilder()
                .setName("m")
                .setVersion(3)
                .setAction(ModelAction.DEPLOY)
                .setGeneration(generation)
                .setUri("file:///m-3.onnx")
                .setPrecision(ModelPrecision.FP32)
                .setIssuedAt(Instant.EPOCH)
                .setIssuedBy("test")
                .build();
        return Rollouts.withCandidate(stable, candidate.build(), generation, Instant.EPOCH, "test");
    }

    /**
     * Counts from one subtask: the candidate tried {@code tried} events and failed {@code
     * failed}; the stable version scored {@code stable} events (scores in bin 5), the candidate's
     * successes score in bin 18.
     */
    private static RolloutCounts counts(
            long generation, int subtask, int tried, int failed, int stable) {
        RolloutTally tally = new RolloutTally("m", generation, 3, 4);
        for (int i = 0; i < stable; i++) {
            tally.scoredOne(false, 500, 0.22f);
        }
        for (int i = 0; i < tried - failed; i++) {
            tally.scoredOne(true, 500, 0.87f);
        }
        if (failed > 0) {
            tally.failed(true, failed);
        }
        RolloutCounts counts = tally.drain(subtask, 0);
        return counts;
    }

    private static List<ModelControl> decisions(
            KeyedTwoInputStreamOperatorTestHarness<String, RolloutCounts, ModelControl,
                    RolloutReport> harness) {
        Queue<StreamRecord<ModelControl>> side = harness.getSideOutput(RolloutJudge.DECISIONS);
        return side == null ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private static RolloutReport last(
            KeyedTwoInputStreamOperatorTestHarness<String, RolloutCounts, ModelControl,
                    RolloutReport> harness) {
        List<RolloutReport> reports = harness.extractOutputValues();
        assertTrue(!reports.isEmpty(), "no report");
        return reports.get(reports.size() - 1);
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), "expected exactly one, got " + values);
        return values.get(0);
    }
}
