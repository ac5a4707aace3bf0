package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;

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
        List<FlinkJobsProbe.Job> jobs,
        long heapUsedBytes,
        long rssBytes) {

    public SoakSample {
        jobs = List.copyOf(jobs);
    }
}
