package io.inferflow.model.profile;

import java.util.Arrays;

/**
 * Distances between a profile's expected bin proportions and observed bin counts: the
 * population stability index (PSI), the Jensen-Shannon distance and the Kolmogorov-Smirnov
 * statistic of the binned CDFs. Pure functions; NaN values play no part (report them separately
 * as a NaN rate).
 *
 * <p>PSI is {@code sum((a_i - e_i) * ln(a_i / e_i))} over bins, with actual share {@code a_i}
 * and expected share {@code e_i}. An empty bin would make it infinite, so shares below
 * {@link #PSI_EPSILON} (0.0001, as Evidently does) are raised to it first; shares are not
 * renormalised, so two identical distributions still score exactly 0, and a bin that is empty on
 * both sides adds nothing.
 *
 * <pre>{@code
 * double psi = DriftStatistics.psi(profile.proportions(), counter.counts());
 * DriftBand band = DriftThresholds.defaults().band(psi);
 * }</pre>
 */
public final class DriftStatistics {

    /** The floor for a bin's share in PSI, so that empty bins give a large but finite value. */
    public static final double PSI_EPSILON = 1e-4;

    private DriftStatistics() {}

    /** PSI, Jensen-Shannon distance and KS of {@code observed} against {@code profile}. */
    public static FeatureDrift compare(FeatureProfile profile, BinCounter observed) {
        if (!Arrays.equals(observed.edges(), profile.edges())) {
            throw new IllegalArgumentException(
                    "feature '" + profile.name() + "': the counter's edges "
                            + Arrays.toString(observed.edges()) + " are not the profile's "
                            + Arrays.toString(profile.edges()));
        }
        double[] expected = profile.proportions();
        long[] counts = observed.counts();
        long binned = observed.binned();
        long total = observed.total();
        return new FeatureDrift(
                profile.name(),
                binned,
                total == 0 ? 0 : (double) observed.nanCount() / total,
                psi(expected, counts),
                jensenShannon(expected, counts),
                ks(expected, counts));
    }

    /** PSI of observed counts against expected shares; NaN when nothing was observed. */
    public static double psi(double[] expected, long[] observed) {
        return psi(expected, proportionsOrNull(expected, observed));
    }

    /** PSI of actual against expected shares (each summing to 1); NaN for a null actual. */
    public static double psi(double[] expected, double[] actual) {
        if (actual == null) {
            return Double.NaN;
        }
        checkSameLength(expected, actual);
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.max(expected[i], PSI_EPSILON);
            double a = Math.max(actual[i], PSI_EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    /**
     * The Jensen-Shannon distance: the square root of the JS divergence in bits, so it lies in
     * [0, 1], is symmetric and is 0 only for identical shares. NaN when nothing was observed.
     */
    public static double jensenShannon(double[] expected, long[] observed) {
        return jensenShannon(expected, proportionsOrNull(expected, observed));
    }

    /** The Jensen-Shannon distance of two share vectors; NaN for a null {@code q}. */
    public static double jensenShannon(double[] p, double[] q) {
        if (q == null) {
            return Double.NaN;
        }
        checkSameLength(p, q);
        double divergence = 0;
        for (int i = 0; i < p.length; i++) {
            double m = (p[i] + q[i]) / 2;
            divergence += (klTerm(p[i], m) + klTerm(q[i], m)) / 2;
        }
        return Math.sqrt(Math.min(1.0, Math.max(0.0, divergence)));
    }

    private static double klTerm(double p, double m) {
        return p > 0 ? p * Math.log(p / m) / Math.log(2) : 0;
    }

    /**
     * The Kolmogorov-Smirnov statistic of the binned CDFs: the largest absolute difference of the
     * cumulative shares at the bin edges. NaN when nothing was observed.
     */
    public static double ks(double[] expected, long[] observed) {
        return ks(expected, proportionsOrNull(expected, observed));
    }

    /** The KS statistic of two share vectors' binned CDFs; NaN for a null {@code q}. */
    public static double ks(double[] p, double[] q) {
        if (q == null) {
            return Double.NaN;
        }
        checkSameLength(p, q);
        double cp = 0;
        double cq = 0;
        double max = 0;
        for (int i = 0; i < p.length; i++) {
            cp += p[i];
            cq += q[i];
            max = Math.max(max, Math.abs(cp - cq));
        }
        return max;
    }

    /** Counts as shares of their sum; all zeros when the sum is 0. */
    public static double[] proportions(long[] counts) {
        long total = 0;
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException(
                        "counts must not be negative, got " + Arrays.toString(counts));
            }
            total += c;
        }
        double[] shares = new double[counts.length];
        for (int i = 0; i < counts.length && total > 0; i++) {
            shares[i] = (double) counts[i] / total;
        }
        return shares;
    }

    private static double[] proportionsOrNull(double[] expected, long[] observed) {
        if (expected.length != observed.length) {
            throw new IllegalArgumentException(
                    "expected " + expected.length + " bins, observed counts have "
                            + observed.length);
        }
        long total = 0;
        for (long c : observed) {
            total += c;
        }
        return total == 0 ? null : proportions(observed);
    }

    private static void checkSameLength(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException(
                    "expected " + expected.length + " bins, got " + actual.length);
        }
    }
}
