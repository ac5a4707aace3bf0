package io.inferflow.operators.rollout;

import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.VersionCounts;

import java.util.ArrayList;
import java.util.List;

/**
 * What one inference subtask counts of a rollout between two sends: per version the events it
 * scored (for the candidate: tried), those it failed on, the inference latency of their batches
 * and the bins of their first score; for a shadow, how often both versions decided alike. Drained
 * into a {@link RolloutCounts} for the {@link RolloutJudge}. Used on the task thread only.
 */
public final class RolloutTally {

    private final String model;
    private final long stableVersion;
    private final long candidateVersion;
    private long generation;
    private final Side stable = new Side();
    private final Side candidate = new Side();
    private long compared;
    private long agreed;
    private long lastSent;

    public RolloutTally(String model, long generation, long stableVersion, long candidateVersion) {
        this.model = model;
        this.generation = generation;
        this.stableVersion = stableVersion;
        this.candidateVersion = candidateVersion;
    }

    /** A later control record renewed the same rollout. */
    public void renew(long generation) {
        this.generation = generation;
    }

    public long candidateVersion() {
        return candidateVersion;
    }

    public long stableVersion() {
        return stableVersion;
    }

    /** One event scored, its first score (for PSI) and how long its batch took. */
    public void scoredOne(boolean isCandidate, long micros, float firstScore) {
        Side side = isCandidate ? candidate : stable;
        side.events++;
        side.latency[RolloutStatistics.latencyBucket(micros)]++;
        side.scores[RolloutStatistics.scoreBin(firstScore)]++;
    }

    /** The version failed on {@code events} events (counted as tried). */
    public void failed(boolean isCandidate, int events) {
        Side side = isCandidate ? candidate : stable;
        side.events += events;
        side.failures += events;
    }

    /** A shadow comparison of one event: whether both versions decided alike. */
    public void compared(boolean agree) {
        compared++;
        if (agree) {
            agreed++;
        }
    }

    /** When the counts were last drained (processing time), 0 before. */
    public long lastSent() {
        return lastSent;
    }

    public boolean isEmpty() {
        return stable.events == 0 && candidate.events == 0 && compared == 0;
    }

    /**
     * The counts since the last drain, null when there are none; starts counting anew.
     *
     * @param now the processing time, remembered as {@link #lastSent()}
     */
    public RolloutCounts drain(int subtask, long now) {
        lastSent = now;
        if (isEmpty()) {
            return null;
        }
        RolloutCounts counts =
                RolloutCounts.newBuilder()
                        .setModel(model)
                        .setGeneration(generation)
                        .setSubtask(subtask)
                        .setStableVersion(stableVersion)
                        .setCandidateVersion(candidateVersion)
                        .setStable(stable.drain())
                        .setCandidate(candidate.drain())
                        .setCompared(compared)
                        .setAgreed(agreed)
                        .build();
        compared = 0;
        agreed = 0;
        return counts;
    }

    private static final class Side {
        long events;
        long failures;
        long[] latency = new long[RolloutStatistics.LATENCY_BUCKETS];
        long[] scores = new long[RolloutStatistics.SCORE_BINS];

        VersionCounts drain() {
            VersionCounts counts =
                    VersionCounts.newBuilder()
                            .setEvents(events)
                            .setFailures(failures)
                            .setLatencyBuckets(list(latency))
                            .setScoreBins(list(scores))
                            .build();
            events = 0;
            failures = 0;
            latency = new long[RolloutStatistics.LATENCY_BUCKETS];
            scores = new long[RolloutStatistics.SCORE_BINS];
            return counts;
        }

        private static List<Long> list(long[] values) {
            List<Long> list = new ArrayList<>(values.length);
            for (long v : values) {
                list.add(v);
            }
            return list;
        }
    }
}
