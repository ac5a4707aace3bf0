package io.inferflow.operators;

import io.inferflow.operators.drift.DriftStateFixture;
import io.inferflow.operators.inference.InferenceStateFixture;
import io.inferflow.operators.rollout.RolloutJudgeStateFixture;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.util.function.ThrowingConsumer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * Restores the committed snapshots of the operators' state (written by {@link
 * SavepointFixtureWriter} from an earlier version of the code) into today's operators and checks
 * that they carry on from it. A change that breaks restoring a savepoint of a running job (a
 * renamed state, a state type changed incompatibly) fails here; docs/reference/state.md has the
 * rules.
 */
class SavepointCompatibilityTest {

    /** A fixture file and what its restored operator must do. */
    record Restore(String file, ThrowingConsumer<OperatorSubtaskState, Exception> check) {}

    static Stream<Named<Restore>> fixtures() {
        return Stream.of(
                Named.of("the inference operator serves the desired version and scores the"
                                + " events that waited",
                        new Restore(InferenceStateFixture.FILE, InferenceStateFixture
                                ::assertServesTheDesiredVersionAndTheWaitingEvents)),
                Named.of("the inference operator falls back to the version another subtask"
                                + " served",
                        new Restore(InferenceStateFixture.FILE, InferenceStateFixture
                                ::assertFallsBackToAVersionAnySubtaskServed)),
                Named.of("the drift aggregator continues its windows and waiting labels",
                        new Restore(DriftStateFixture.FILE,
                                DriftStateFixture::assertContinuesItsWindowsAndWaitingLabels)),
                Named.of("the rollout judge keeps its totals, timers and early counts",
                        new Restore(RolloutJudgeStateFixture.FILE, RolloutJudgeStateFixture
                                ::assertKeepsItsTotalsTimersAndEarlyCounts)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void restoredOperatorCarriesOnFromTheCommittedSnapshot(Restore restore) throws Exception {
        restore.check().accept(SavepointFixtures.read(restore.file()));
    }
}
