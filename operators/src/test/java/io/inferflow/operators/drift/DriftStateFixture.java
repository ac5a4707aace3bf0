package io.inferflow.operators.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.SavepointFixtures;
import io.inferflow.operators.labels.LabelOutcomes;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.LabelOutcome;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

import java.time.Duration;
import java.util.List;

/**
 * The drift aggregator's keyed state as a savepoint fixture ({@link #create}) and what a restore
 * of it must still do. In the fixture, model m v3 closed window 1 and has window 2 open with 600
 * events of subtask 0 and one label; m v4 has two labels waiting for its first window ({@code
 * drift-pending-labels}); the profile JSON is kept once, by sha256.
 */
public final class DriftStateFixture {

    /** The file under {@code snapshots/}; v1 is the state format of the first fixtures. */
    public static final String FILE = "drift-aggregator-v1.snapshot";

    /**
     * The sha256 of the profile JSON in the fixture. Restored, later counts name the profile by
     * it only, so the window continues with the profile JSON read back from the state (even if
     * today's JSON of the same profile differs).
     */
    static final String PROFILE_SHA256 =
            "7372e2f48308934b8aab2a47d93ff966614a7d93eba252723c6758940cecd154";

    private static final ReferenceProfile PROFILE = DriftSamples.normalProfile(3, 20_000);
    private static final DriftSettings SETTINGS =
            DriftSettings.defaults().withWindow(1_000, Duration.ZERO);

    private DriftStateFixture() {}

    public static OperatorSubtaskState create() throws Exception {
        return SavepointFixtures.snapshotAfter(harness(), harness -> {
            DriftCounts first = counts(3, 0, 1_000);
            assertEquals(PROFILE_SHA256, first.getProfileSha256(),
                    "PROFILE_SHA256 must name the profile written into the fixture");
            harness.processElement1(first, 1L);
            harness.processElement1(counts(3, 0, 600), 2L);
            harness.processElement2(LabelOutcomes.of("m", 3L, 0.9, 1.0, 0.5), 3L);
            harness.processElement2(LabelOutcomes.of("m", 4L, 0.9, 1.0, 0.5), 3L);
            harness.processElement2(LabelOutcomes.of("m", 4L, 0.8, 0.0, 0.5), 3L);
            assertEquals(List.of(1L), windows(harness.extractOutputValues()));
        });
    }

    /**
     * Restored: v3's open window closes with subtask 1's 600 events as window 2 (1,200 events,
     * its label), scored against the profile from the state; v4's first window counts the two
     * labels that waited.
     */
    public static void assertContinuesItsWindowsAndWaitingLabels(OperatorSubtaskState fixture)
            throws Exception {
        try (var restored = SavepointFixtures.restored(harness(), fixture)) {
            DriftCounts v3 = counts(3, 1, 600);
            v3.setProfile(null);
            v3.setProfileSha256(PROFILE_SHA256);
            restored.processElement1(v3, 5L);
            restored.processElement1(counts(4, 0, 1_000), 6L);

            List<DriftReport> reports = restored.extractOutputValues();
            assertEquals(2, reports.size(), "one report each: " + reports);
            DriftReport third = reports.get(0);
            assertEquals(List.of(3L, 2L, 1_200L, 2, 1L, 1.0),
                    List.of(third.getModelVersion(), third.getWindow(), third.getEvents(),
                            third.getSubtasks(), third.getLabeled(), third.getAccuracy()));
            DriftReport fourth = reports.get(1);
            assertEquals(List.of(4L, 1L, 1_000L, 2L, 0.5),
                    List.of(fourth.getModelVersion(), fourth.getWindow(), fourth.getEvents(),
                            fourth.getLabeled(), fourth.getAccuracy()));
        }
    }

    private static DriftCounts counts(long version, int subtask, int rows) {
        DriftCounts counts = DriftSamples.counts(PROFILE, subtask, rows, -1, 0.0);
        counts.setModelVersion(version);
        return counts;
    }

    private static List<Long> windows(List<DriftReport> reports) {
        return reports.stream().map(DriftReport::getWindow).toList();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, DriftCounts, LabelOutcome, DriftReport>
            harness() throws Exception {
        return SavepointFixtures.withoutGenericTypes(new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new DriftAggregatorFunction(SETTINGS)),
                DriftAggregatorFunction.KEY,
                DriftAggregatorFunction.LABEL_KEY,
                Types.STRING));
    }
}
