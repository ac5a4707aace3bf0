package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.time.Duration;

class BatchingOptionsTest {

    @Test
    void defaultsRejectNonFiniteFeatures() {
        BatchingOptions options = BatchingOptions.defaults();
        assertEquals(BatchingOptions.DEFAULT_MAX_SIZE, options.maxSize());
        assertEquals(BatchingOptions.DEFAULT_MAX_DELAY, options.maxDelay());
        assertEquals(NonFiniteFeaturePolicy.REJECT, options.nonFinitePolicy());
    }

    @Test
    void acceptsZeroDelay() {
        BatchingOptions options = BatchingOptions.builder().maxDelay(Duration.ZERO).build();
        assertEquals(Duration.ZERO, options.maxDelay());
    }

    @Test
    void rejectsMaxSizeBelowOne() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BatchingOptions.builder().maxSize(0).build());
        assertEquals("max-size must be at least 1, got 0", e.getMessage());
    }

    @Test
    void rejectsNegativeDelay() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BatchingOptions.builder().maxDelay(Duration.ofMillis(-5)).build());
        assertEquals("max-delay must be zero or positive, got PT-0.005S", e.getMessage());
    }
}
