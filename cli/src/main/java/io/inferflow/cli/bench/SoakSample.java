package io.inferflow.cli.bench;

import java.util.List;

/**
 * One row of a soak run: what the producer wrote and a {@code read_committed} reader got over
 * the interval before {@code elapsedSeconds}, each Flink job as its REST API reported it then,
 * and the process's memory.
 *
 * @param visible read time - event time of the interval's predictions; null when none came
 * @param rssBytes the process's resident set size (VmRSS); -1 where /proc is not available
 */
public record SoakSample(
        double elapsedSeconds,
        double eventsPerSecond,
        double predictionsPerSecond,
        LatencySummary visible,
        List<Job> jobs,
        long heapUsedBytes,
        long rssBytes) {

    public SoakSample {
        jobs = List.copyOf(jobs);
    }

    /**
     * One Flink job at the time of a sample.
     *
     * @param checkpointBytes size of the latest completed checkpoint; null before the first
     * @param checkpointMillis end-to-end duration of that checkpoint; null before the first
     */
    public record Job(
            String id,
            String name,
            String state,
            Long checkpointBytes,
            Long checkpointMillis,
            long failedCheckpoints,
            long restarts) {}
}
