package io.inferflow.operators.inference;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link MicroBatchInferenceOperator} forms batches: at most {@code maxSize} records, none
 * waiting longer than {@code maxDelay} in processing time ({@link Duration#ZERO}: every record is
 * scored alone, at once), and what to do with non-finite features. Immutable.
 *
 * <pre>{@code
 * BatchingSettings batching =
 *         BatchingSettings.builder().maxSize(64).maxDelay(Duration.ofMillis(5)).build();
 * }</pre>
 */
public final class BatchingSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_SIZE = 64;
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(5);

    private final int maxSize;
    private final Duration maxDelay;
    private final NonFiniteFeaturePolicy nonFinitePolicy;
    private final NonFiniteOutputPolicy nonFiniteOutputs;

    private BatchingSettings(Builder b) {
        if (b.maxSize < 1) {
            throw new IllegalArgumentException("max-size must be at least 1, got " + b.maxSize);
        }
        if (b.maxDelay == null || b.maxDelay.isNegative()) {
            throw new IllegalArgumentException(
                    "max-delay must be zero or positive, got " + b.maxDelay);
        }
        this.maxSize = b.maxSize;
        this.maxDelay = b.maxDelay;
        this.nonFinitePolicy = Objects.requireNonNull(b.nonFinitePolicy, "nonFinitePolicy");
        this.nonFiniteOutputs = Objects.requireNonNull(b.nonFiniteOutputs, "nonFiniteOutputs");
    }

    public static BatchingSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxSize() {
        return maxSize;
    }

    public Duration maxDelay() {
        return maxDelay;
    }

    public NonFiniteFeaturePolicy nonFinitePolicy() {
        return nonFinitePolicy;
    }

    public NonFiniteOutputPolicy nonFiniteOutputs() {
        return nonFiniteOutputs;
    }

    @Override
    public String toString() {
        return "BatchingSettings{maxSize=" + maxSize + ", maxDelay=" + maxDelay
                + ", nonFinitePolicy=" + nonFinitePolicy
                + ", nonFiniteOutputs=" + nonFiniteOutputs + '}';
    }

    /** Builds {@link BatchingSettings}; unset values take the defaults. */
    public static final class Builder {

        private int maxSize = DEFAULT_MAX_SIZE;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private NonFiniteFeaturePolicy nonFinitePolicy = NonFiniteFeaturePolicy.REJECT;
        private NonFiniteOutputPolicy nonFiniteOutputs = NonFiniteOutputPolicy.REJECT;

        private Builder() {}

        public Builder maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
            return this;
        }

        public Builder nonFinitePolicy(NonFiniteFeaturePolicy policy) {
            this.nonFinitePolicy = policy;
            return this;
        }

        public Builder nonFiniteOutputs(NonFiniteOutputPolicy policy) {
            this.nonFiniteOutputs = policy;
            return this;
        }

        public BatchingSettings build() {
            return new BatchingSettings(this);
        }
    }
}
