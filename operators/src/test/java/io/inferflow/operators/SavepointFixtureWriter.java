package io.inferflow.operators;

import io.inferflow.operators.drift.DriftStateFixture;
import io.inferflow.operators.inference.InferenceStateFixture;
import io.inferflow.operators.rollout.RolloutJudgeStateFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;

/**
 * Writes the snapshot fixtures that {@link SavepointCompatibilityTest} restores, from the
 * operators as they are now. Run by hand, only when a release adds fixtures of a new state
 * format (never to make a failing compatibility test pass):
 *
 * <pre>{@code
 * mvn -o -pl operators test -Dtest=SavepointFixtureWriter -Dsnapshots.write=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 *
 * <p>The files land in {@code operators/src/test/resources/snapshots/} (see the README there).
 */
class SavepointFixtureWriter {

    @Test
    @EnabledIfSystemProperty(named = "snapshots.write", matches = "true")
    void writesTheFixturesOfTodaysState() throws Exception {
        Path dir = Path.of("src", "test", "resources", "snapshots");
        SavepointFixtures.write(InferenceStateFixture.create(), dir, InferenceStateFixture.FILE);
        SavepointFixtures.write(DriftStateFixture.create(), dir, DriftStateFixture.FILE);
        SavepointFixtures.write(
                RolloutJudgeStateFixture.create(), dir, RolloutJudgeStateFixture.FILE);
    }
}
