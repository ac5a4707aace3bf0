package io.inferflow.model.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuantizeSettingsTest {

    @Test
    void defaultsArePerTensorSymmetricOnAThousandGeneratedRows() {
        QuantizeSettings o = QuantizeSettings.defaults();
        assertFalse(o.perChannel());
        assertTrue(o.symmetric());
        assertNull(o.sampleRows());
        assertEquals(1000, o.generatedRows());
        assertNull(o.maxDeviation());
        assertEquals(0.5, o.decisionThreshold());
        assertEquals(7, o.timingRuns());
    }

    @Test
    void rejectsRaggedSampleRows() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantizeSettings.builder().sampleRows(new float[][] {{1, 2}, {3}}).build());
        assertEquals("sample row 1 has width 1, row 0 has 2", e.getMessage());
    }

    @Test
    void rejectsNegativeMaxDeviationAndTimingRuns() {
        assertEquals("max deviation must be a non-negative number, got -0.1",
                assertThrows(IllegalArgumentException.class,
                        () -> QuantizeSettings.builder().maxDeviation(-0.1).build()).getMessage());
        assertEquals("timing runs must be 0 (no timing) or more, got -1",
                assertThrows(IllegalArgumentException.class,
                        () -> QuantizeSettings.builder().timingRuns(-1).build()).getMessage());
    }
}
