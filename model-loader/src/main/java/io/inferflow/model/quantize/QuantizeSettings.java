package io.inferflow.model.quantize;

/**
 * How {@link Quantizer} quantizes a model and how it checks the result.
 *
 * <pre>{@code
 * QuantizeSettings settings = QuantizeSettings.builder()
 *         .perChannel(true)
 *         .maxDeviation(0.01)
 *         .build();
 * }</pre>
 *
 * <p>Without {@link Builder#sampleRows sample rows} the comparison with FP32 runs on
 * {@link Builder#generatedRows generated} rows drawn from N(0, 1) with a fixed seed.
 */
public final class QuantizeSettings {

    private final boolean perChannel;
    private final boolean symmetric;
    private final float[][] sampleRows;
    private final int generatedRows;
    private final long seed;
    private final Double maxDeviation;
    private final double decisionThreshold;
    private final int timingRuns;

    private QuantizeSettings(Builder b) {
        this.perChannel = b.perChannel;
        this.symmetric = b.symmetric;
        this.sampleRows = b.sampleRows;
        this.generatedRows = b.generatedRows;
        this.seed = b.seed;
        this.maxDeviation = b.maxDeviation;
        this.decisionThreshold = b.decisionThreshold;
        this.timingRuns = b.timingRuns;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Per-tensor, symmetric, 1,000 generated rows, no deviation limit, 7 timing runs. */
    public static QuantizeSettings defaults() {
        return builder().build();
    }

    /** One scale per output channel rather than one per weight tensor. */
    public boolean perChannel() {
        return perChannel;
    }

    /** Zero point 0 (range [-127, 127]) rather than a zero point fitted to [min, max]. */
    public boolean symmetric() {
        return symmetric;
    }

    /** The rows to compare FP32 and INT8 on, or null to generate {@link #generatedRows}. */
    public float[][] sampleRows() {
        return sampleRows;
    }

    public int generatedRows() {
        return generatedRows;
    }

    public long seed() {
        return seed;
    }

    /** The largest allowed absolute deviation from FP32, or null for no limit. */
    public Double maxDeviation() {
        return maxDeviation;
    }

    /** A single-output model decides "positive" when its value is at or above this. */
    public double decisionThreshold() {
        return decisionThreshold;
    }

    /** Timed runs per batch size and precision (their median is reported); 0 skips timing. */
    public int timingRuns() {
        return timingRuns;
    }

    @Override
    public String toString() {
        return "QuantizeSettings{perChannel=" + perChannel + ", symmetric=" + symmetric
                + ", sampleRows=" + (sampleRows == null ? "generated " + generatedRows
                        : String.valueOf(sampleRows.length))
                + ", maxDeviation=" + maxDeviation + ", decisionThreshold=" + decisionThreshold
                + ", timingRuns=" + timingRuns + '}';
    }

    /** Builds {@link QuantizeSettings}; {@link #build} checks the values. */
    public static final class Builder {

        private boolean perChannel;
        private boolean symmetric = true;
        private float[][] sampleRows;
        private int generatedRows = 1000;
        private long seed = 42;
        private Double maxDeviation;
        private double decisionThreshold = 0.5;
        private int timingRuns = 7;

        private Builder() {}

        public Builder perChannel(boolean perChannel) {
            this.perChannel = perChannel;
            return this;
        }

        public Builder symmetric(boolean symmetric) {
            this.symmetric = symmetric;
            return this;
        }

        /** Rows of the model's input width; null generates rows instead. Not copied. */
        public Builder sampleRows(float[][] sampleRows) {
            this.sampleRows = sampleRows;
            return this;
        }

        public Builder generatedRows(int generatedRows) {
            this.generatedRows = generatedRows;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder maxDeviation(Double maxDeviation) {
            this.maxDeviation = maxDeviation;
            return this;
        }

        public Builder decisionThreshold(double decisionThreshold) {
            this.decisionThreshold = decisionThreshold;
            return this;
        }

        public Builder timingRuns(int timingRuns) {
            this.timingRuns = timingRuns;
            return this;
        }

        public QuantizeSettings build() {
            if (sampleRows != null) {
                if (sampleRows.length == 0) {
                    throw new IllegalArgumentException(
                            "sample rows are empty; pass at least one row or null to generate");
                }
                int width = sampleRows[0].length;
                for (int i = 0; i < sampleRows.length; i++) {
                    if (sampleRows[i].length != width) {
                        throw new IllegalArgumentException(
                                "sample row " + i + " has width " + sampleRows[i].length
                                        + ", row 0 has " + width);
                    }
                }
            }
            if (generatedRows < 1) {
                throw new IllegalArgumentException(
                        "generated rows must be at least 1, got " + generatedRows);
            }
            if (maxDeviation != null && !(maxDeviation >= 0)) {
                throw new IllegalArgumentException(
                        "max deviation must be a non-negative number, got " + maxDeviation);
            }
            if (!Double.isFinite(decisionThreshold)) {
                throw new IllegalArgumentException(
                        "decision threshold must be finite, got " + decisionThreshold);
            }
            if (timingRuns < 0) {
                throw new IllegalArgumentException(
                        "timing runs must be 0 (no timing) or more, got " + timingRuns);
            }
            return new QuantizeSettings(this);
        }
    }
}
