package io.inferflow.operators.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.operators.SavepointFixtures;
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
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;

/**
 * The rollout judge's keyed state as a savepoint fixture ({@link #create}) and what a restore of
 * it must still do. In the fixture, model m runs a canary of v4 over v3 (generation 5, at most
 * 5% failures once 100 events were tried) that has tried 60 events without a failure, with its
 * next report due at 1,000 ms; model n has counts of generation 2 (120 tried, all failed) that
 * came before the control record that starts its rollout.
 */
public final class RolloutJudgeStateFixture {

    /** The file under {@code snapshots/}; v1 is the state format of the first fixtures. */
    public static final String FILE = "rollout-judge-v1.snapshot";

    private RolloutJudgeStateFixture() {}

    public static OperatorSubtaskState create() throws Exception {
        return SavepointFixtures.snapshotAfter(harness(), harness -> {
            harness.processElement2(canary("m", 5), 0L);
            harness.processElement1(counts("m", 5, 0, 60, 0), 0L);
            harness.processElement1(counts("n", 2, 0, 120, 120), 0L);
            assertEquals(List.of(), decisions(harness));
        });
    }

    /**
     * Restored: m's report comes when its timer fires with the 60 events of the state; 60
     * more, all failed, abort m after 120 events (without the restored totals 60 would be below
     * the minimum); n's early counts are judged when its control record comes.
     */
    public static void assertKeepsItsTotalsTimersAndEarlyCounts(OperatorSubtaskState fixture)
            throws Exception {
        try (var restored = SavepointFixtures.restored(harness(), fixture)) {
            restored.setProcessingTime(1_000L);
            RolloutReport running = restored.extractOutputValues().get(0);
            assertEquals(List.of("m", RolloutDecision.RUNNING, 60L),
                    List.of(running.getModel(), running.getDecision(),
                            running.getCandidateEvents()));

            restored.processElement1(counts("m", 5, 1, 60, 60), 0L);
            restored.processElement2(canary("n", 2), 0L);

            assertEquals(List.of(
                    "m g6 v3: aborted automatically: failure rate 50.0% > 5.0% after 120 events",
                    "n g3 v3: aborted automatically: failure rate 100.0% > 5.0% after 120 events"),
                    decisions(restored).stream()
                            .map(d -> d.getName() + " g" + d.getGeneration() + " v"
                                    + d.getVersion() + ": " + d.getNote())
                            .toList());
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, RolloutCounts, ModelControl,
            RolloutReport> harness() throws Exception {
        return SavepointFixtures.withoutGenericTypes(new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new RolloutJudge(Duration.ofSeconds(1))),
                RolloutCounts::getModel, ModelControl::getName, Types.STRING));
    }

    /** v3 of {@code model} with a canary of v4 on 20%: at most 5% failures after 100 events. */
    private static ModelControl canary(String model, long generation) {
        ModelControl stable = ModelControl.newBuilder()
                .setName(model)
                .setVersion(3)
                .setAction(ModelAction.DEPLOY)
                .setGeneration(generation)
                .setUri("file:///" + model + "-3.onnx")
                .setPrecision(ModelPrecision.FP32)
                .setIssuedAt(Instant.EPOCH)
                .setIssuedBy("fixture")
                .build();
        ModelCandidate candidate = ModelCandidate.newBuilder()
                .setVersion(4)
                .setUri("file:///" + model + "-4.onnx")
                .setMode(RolloutMode.CANARY)
                .setPercent(20)
                .setMaxFailureRate(0.05)
                .setMinEvents(100)
                .build();
        return Rollouts.withCandidate(stable, candidate, generation, Instant.EPOCH, "fixture");
    }

    /** What subtask {@code subtask} counted: the candidate tried and failed so many events. */
    private static RolloutCounts counts(
            String model, long generation, int subtask, int tried, int failed) {
        RolloutTally tally = new RolloutTally(model, generation, 3, 4);
        for (int i = 0; i < tried - failed; i++) {
            tally.scoredOne(true, 500, 0.87f);
        }
        if (failed > 0) {
            tally.failed(true, failed);
        }
        return tally.drain(subtask, 0);
    }

    private static List<ModelControl> decisions(
            KeyedTwoInputStreamOperatorTestHarness<String, RolloutCounts, ModelControl,
                    RolloutReport> harness) {
        Queue<StreamRecord<ModelControl>> side = harness.getSideOutput(RolloutJudge.DECISIONS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }
}
