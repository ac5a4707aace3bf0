package io.inferflow.model.profile;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * The reference distribution of one value (a feature, or one of the model's output values):
 * quantile bin edges, the share of reference values per bin, the NaN rate, mean and std.
 *
 * <p>{@code edges} are the inner boundaries, strictly increasing; there are {@code edges.length
 * + 1} bins and both outer bins are open-ended. Bin {@code i} holds the values {@code v} with
 * {@code edges[i - 1] <= v < edges[i]}: bin 0 everything below {@code edges[0]}, the last bin
 * everything at or above the last edge. Proportions are shares of the non-NaN values and sum to 1.
 * NaN values are not binned; they count towards {@link #nanRate()}.
 *
 * <pre>{@code
 * FeatureProfile amount = FeatureProfile.of("amount", values, 10); // edges at the deciles
 * }</pre>
 */
public final class FeatureProfile {

    private static final double SUM_TOLERANCE = 1e-6;

    private final String name;
    private final double[] edges;
    private final double[] proportions;
    private final double nanRate;
    private final double mean;
    private final double std;

    /** Checks and copies; see the class comment for what the arrays mean. */
    @JsonCreator
    public FeatureProfile(
            @JsonProperty(value = "name", required = true) String name,
            @JsonProperty(value = "edges", required = true) double[] edges,
            @JsonProperty(value = "proportions", required = true) double[] proportions,
            @JsonProperty(value = "nan_rate", required = true) double nanRate,
            @JsonProperty(value = "mean", required = true) double mean,
            @JsonProperty(value = "std", required = true) double std) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(
                    "a feature profile needs a name, got '" + name + "'");
        }
        if (edges == null || proportions == null) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': edges and proportions are required");
        }
        this.name = name;
        this.edges = edges.clone();
        this.proportions = proportions.clone();
        this.nanRate = nanRate;
        this.mean = mean;
        this.std = std;
        validate();
    }

    private void validate() {
        if (proportions.length != edges.length + 1) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': " + edges.length + " edges make "
                            + (edges.length + 1) + " bins, got " + proportions.length
                            + " proportions");
        }
        for (int i = 0; i < edges.length; i++) {
            if (!Double.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
                throw new IllegalArgumentException(
                        "feature '" + name + "': edges must be finite and strictly increasing, got "
                                + Arrays.toString(edges));
            }
        }
        double sum = 0;
        for (double p : proportions) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(
                        "feature '" + name + "': proportions must lie in [0, 1], got "
                                + Arrays.toString(proportions));
            }
            sum += p;
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': proportions must sum to 1, got " + sum);
        }
        if (!(nanRate >= 0 && nanRate <= 1)) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': nan_rate must lie in [0, 1], got " + nanRate);
        }
        if (!Double.isFinite(mean) || !(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': mean and std must be finite (std >= 0), got mean "
                            + mean + ", std " + std);
        }
    }

    /**
     * Profiles {@code values} with edges at the {@code bins}-quantiles of the non-NaN values.
     *
     * <p>Equal edges (ties, few distinct values) are merged and an edge equal to the minimum is
     * dropped, so there may be fewer than {@code bins} bins; a constant value gets one bin.
     * Infinite values are binned but not used as edges, nor in the mean and std. A value that is
     * only NaN gets one bin, proportion 1, mean and std 0.
     */
    public static FeatureProfile of(String name, float[] values, int bins) {
        checkBins(bins);
        int nans = 0;
        for (float v : values) {
            if (Float.isNaN(v)) {
                nans++;
            }
        }
        double[] sorted = new double[values.length - nans];
        int n = 0;
        for (float v : values) {
            if (!Float.isNaN(v)) {
                sorted[n++] = v;
            }
        }
        Arrays.sort(sorted);
        double[] edges = quantileEdges(sorted, bins);
        BinCounter counter = new BinCounter(edges);
        counter.addAll(sorted);
        double[] proportions = n == 0 ? new double[] {1.0} : counter.proportions();
        double[] moments = finiteMeanAndStd(sorted);
        double nanRate = values.length == 0 ? 0 : (double) nans / values.length;
        return new FeatureProfile(name, edges, proportions, nanRate, moments[0], moments[1]);
    }

    static void checkBins(int bins) {
        if (bins < 2 || bins > 1000) {
            throw new IllegalArgumentException("bins must be between 2 and 1000, got " + bins);
        }
    }

    /** Edge j (1 <= j < bins) is the value at sorted index floor(j * n / bins), deduplicated. */
    private static double[] quantileEdges(double[] sorted, int bins) {
        int n = sorted.length;
        double[] edges = new double[bins - 1];
        int count = 0;
        for (int j = 1; j < bins && n > 0; j++) {
            double edge = sorted[(int) ((long) j * n / bins)];
            boolean usable = Double.isFinite(edge) && edge > sorted[0];
            if (usable && (count == 0 || edge > edges[count - 1])) {
                edges[count++] = edge;
            }
        }
        return Arrays.copyOf(edges, count);
    }

    private static double[] finiteMeanAndStd(double[] values) {
        long n = 0;
        double mean = 0;
        double m2 = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                double delta = v - mean;
                mean += delta / n;
                m2 += delta * (v - mean);
            }
        }
        return new double[] {mean, n > 1 ? Math.sqrt(m2 / (n - 1)) : 0};
    }

    @JsonProperty("name")
    public String name() {
        return name;
    }

    /** The inner bin boundaries (a copy). */
    @JsonProperty("edges")
    public double[] edges() {
        return edges.clone();
    }

    /** The expected share of non-NaN values per bin (a copy); one more than the edges. */
    @JsonProperty("proportions")
    public double[] proportions() {
        return proportions.clone();
    }

    @JsonProperty("nan_rate")
    public double nanRate() {
        return nanRate;
    }

    @JsonProperty("mean")
    public double mean() {
        return mean;
    }

    @JsonProperty("std")
    public double std() {
        return std;
    }

    /** Number of bins: {@code edges().length + 1}. */
    public int binCount() {
        return proportions.length;
    }

    /** An empty counter for this profile's bins. */
    public BinCounter newCounter() {
        return new BinCounter(edges);
    }

    @Override
    public String toString() {
        return "FeatureProfile{" + name + ", " + binCount() + " bins, nan " + nanRate + ", mean "
                + mean + ", std " + std + '}';
    }
}
