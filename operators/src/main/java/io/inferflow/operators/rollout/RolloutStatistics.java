package io.inferflow.operators.rollout;

import io.inferflow.model.profile.DriftStatistics;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.VersionCounts;

import java.util.ArrayList;
import java.util.List;

/**
 * The bins of {@link RolloutCounts} and what the judge computes from them: merged counts over
 * subtasks, the p99 inference latency of a version, the PSI of the candidate's first score
 * against the stable version's, and a shadow's agreement.
 *
 * <p>Latency bucket {@code i} holds batches that took at most {@code 2^(i/4)} microseconds (four
 * buckets per doubling, so a p99 is within 19% above the true value); the last bucket holds
 * everything slower. Score bins: below 0, twenty bins of width 0.05 over [0, 1], above 1 (and
 * NaN, which never reaches a bin as it is a failure).
 */
public final class RolloutStatistics {

    /** Up to 2^25 µs (33 s); slower batches share the last bucket. */
    public static final int LATENCY_BUCKETS = 101;

    public static final int SCORE_BINS = 22;

    private RolloutStatistics() {}

    static int latencyBucket(long micros) {
        if (micros <= 1) {
            return 0;
        }
        int bucket = (int) Math.ceil(4 * Math.log(micros) / Math.log(2));
        return Math.min(LATENCY_BUCKETS - 1, Math.max(0, bucket));
    }

    /** The upper bound of a latency bucket, in milliseconds. */
    static double bucketMillis(int bucket) {
        return Math.pow(2, bucket / 4.0) / 1000.0;
    }

    static int scoreBin(float score) {
        if (!(score >= 0)) {
            return 0;
        }
        if (score > 1) {
            return SCORE_BINS - 1;
        }
        return 1 + Math.min(19, (int) (score * 20));
    }

    /** {@code a} plus {@code b}, of the same rollout; {@code a} may be null. */
    public static RolloutCounts merge(RolloutCounts a, RolloutCounts b) {
        if (a == null) {
            return RolloutCounts.newBuilder(b).setSubtask(-1).build();
        }
        return RolloutCounts.newBuilder(a)
                .setGeneration(Math.max(a.getGeneration(), b.getGeneration()))
                .setSubtask(-1)
                .setStable(merge(a.getStable(), b.getStable()))
                .setCandidate(merge(a.getCandidate(), b.getCandidate()))
                .setCompared(a.getCompared() + b.getCompared())
                .setAgreed(a.getAgreed() + b.getAgreed())
                .build();
    }

    private static VersionCounts merge(VersionCounts a, VersionCounts b) {
        return VersionCounts.newBuilder()
                .setEvents(a.getEvents() + b.getEvents())
                .setFailures(a.getFailures() + b.getFailures())
                .setLatencyBuckets(add(a.getLatencyBuckets(), b.getLatencyBuckets()))
                .setScoreBins(add(a.getScoreBins(), b.getScoreBins()))
                .build();
    }

    private static List<Long> add(List<Long> a, List<Long> b) {
        List<Long> sum = new ArrayList<>(Math.max(a.size(), b.size()));
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            sum.add((i < a.size() ? a.get(i) : 0L) + (i < b.size() ? b.get(i) : 0L));
        }
        return sum;
    }

    /** The p99 of the version's inference latency in ms (bucket bound), null before any event. */
    public static Double p99Millis(VersionCounts counts) {
        List<Long> buckets = counts.getLatencyBuckets();
        long total = 0;
        for (long n : buckets) {
            total += n;
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(0.99 * total);
        long seen = 0;
        for (int i = 0; i < buckets.size(); i++) {
            seen += buckets.get(i);
            if (seen >= rank) {
                return bucketMillis(i);
            }
        }
        return bucketMillis(buckets.size() - 1);
    }

    /**
     * The PSI of the candidate's score bins against the stable version's, null until both have
     * scored an event.
     */
    public static Double scorePsi(RolloutCounts counts) {
        long[] stable = array(counts.getStable().getScoreBins());
        long[] candidate = array(counts.getCandidate().getScoreBins());
        if (sum(stable) == 0 || sum(candidate) == 0) {
            return null;
        }
        return DriftStatistics.psi(
                DriftStatistics.proportions(stable), DriftStatistics.proportions(candidate));
    }

    /** The share of shadow comparisons where both versions decided alike; null when none. */
    public static Double agreement(RolloutCounts counts) {
        return counts.getCompared() == 0
                ? null
                : (double) counts.getAgreed() / counts.getCompared();
    }

    /** The candidate's failures over the events it tried; 0 before any. */
    public static double failureRate(VersionCounts candidate) {
        return candidate.getEvents() == 0
                ? 0
                : (double) candidate.getFailures() / candidate.getEvents();
    }

    /**
     * Whether two rows of scores make the same decision: the same arg max, or for a single
     * score the same side of 0.5.
     */
    public static boolean sameDecision(float[] a, int aOffset, float[] b, int bOffset, int width) {
        if (width == 1) {
            return (a[aOffset] >= 0.5f) == (b[bOffset] >= 0.5f);
        }
        return argMax(a, aOffset, width) == argMax(b, bOffset, width);
    }

    private static int argMax(float[] values, int offset, int width) {
        int best = 0;
        for (int i = 1; i < width; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    private static long[] array(List<Long> list) {
        long[] values = new long[list.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = list.get(i);
        }
        return values;
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }
}
