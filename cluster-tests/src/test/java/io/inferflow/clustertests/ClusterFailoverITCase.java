package io.inferflow.clustertests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/cluster-failover.sh} as a test: a standalone Flink cluster as separate JVMs
 * (JobManager + two TaskManagers, Flink classpath from {@code target/flink-cluster.classpath},
 * {@code flink-conf/config.yaml}), {@code jobs/target/inferflow-job.jar} submitted through the REST API, a
 * TaskManager SIGKILLed mid-stream and replaced; every event's prediction exactly once under
 * read_committed, no dead letters. Runs in {@code integration-test} (failsafe), after
 * {@code package} built the jar and the classpath file.
 */
class ClusterFailoverITCase {

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyEventExactlyOnceAcrossATaskManagerKill() throws Exception {
        int events = 12_000;
        ClusterFailover.Result result = AfterPackage.passes(
                AfterPackage.settings(new ClusterFailover(), events, 400, "cluster-failover")::run);
        assertEquals(events, result.distinct());
        assertEquals(0, result.duplicates());
        assertEquals(0, result.deadLetters());
        assertTrue(result.restarts() > 0, "the job restarted");
        assertTrue(result.runningMillis() > 0 && result.firstCommitMillis() > 0);
    }
}
