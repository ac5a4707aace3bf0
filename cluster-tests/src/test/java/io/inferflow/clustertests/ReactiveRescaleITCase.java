package io.inferflow.clustertests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/cluster-rescale.sh} as a test, CI-sized: a reactive-mode application cluster of
 * separate JVMs running {@code jobs/target/inferflow-job.jar}, scaled from 1 to 2 to 3
 * TaskManagers and back to 2 by a SIGKILL while 9,000 events stream; every event's prediction
 * exactly once under read_committed, no dead letters, each parallelism reached. Runs in
 * {@code integration-test} (failsafe), after {@code package} built the jar and the classpath file.
 */
class ReactiveRescaleITCase {

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyEventExactlyOnceWhileTheJobScalesUpAndDown() throws Exception {
        ReactiveRescale check =
                AfterPackage.settings(new ReactiveRescale(), 9_000, 300, "cluster-rescale");
        List<ReactiveRescale.Change> changes = AfterPackage.passes(check::run).changes();

        assertEquals(List.of(2, 3, 2),
                changes.stream().map(ReactiveRescale.Change::parallelism).toList());
        assertTrue(changes.stream().allMatch(c -> c.runningMillis() > 0), changes.toString());
    }
}
