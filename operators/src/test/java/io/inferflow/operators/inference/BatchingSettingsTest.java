package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.time.Duration;

class BatchingSettingsTest {

    @Test
    void defaultsRejectNonFiniteFeatures() {
        BatchingSettings options = BatchingSettings.defaults();
        assertEquals(BatchingSettings.DEFAULT_MAX_SIZE, options.maxSize());
        assertEquals(BatchingSettings.DEFAULT_MAX_DELAY, options.maxDelay());
        assertEquals(NonFiniteFeaturePolicy.REJECT, options.nonFinitePolicy());
    }

    @Test
    void acceptsZeroDelay() {
        BatchingSettings options = BatchingSettings.builder().maxDelay(Duration.ZERO).build();
        assertEquals(Duration.ZERO, options.maxDelay());
    }

    @Test
    void rejectsMaxSizeBelowOne() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BatchingSettings.builder().maxSize(0).build());
        assertEquals("max-size must be at least 1, got 0", e.getMessage());
    }

    @Test
    void rejectsNegativeDelay() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BatchingSettings.builder().maxDelay(Duration.ofMillis(-5)).build());
        assertEquals("max-delay must be zero or positive, got PT-0.005S", e.getMessage());
    }
}
