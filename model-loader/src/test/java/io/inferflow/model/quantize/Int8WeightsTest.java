package io.inferflow.model.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Int8WeightsTest {

    @Test
    void symmetricMapsTheLargestMagnitudeTo127() {
        Int8Weights q = Int8Weights.quantize(new float[] {-2f, 1f, 0.5f, 0f}, 2, 2,
                Int8Weights.PER_TENSOR, true);
        assertEquals(2f / 127, q.scales[0]);
        assertEquals(0, q.zeroPoints[0]);
        assertArrayEquals(new byte[] {-127, 64, 32, 0}, q.values);
    }

    @Test
    void asymmetricUsesTheFullRangeAndRoundTripsWithinHalfAScale() {
        float[] w = {0.1f, 0.9f, 0.4f, 0.7f, 0.3f, 0.2f};
        Int8Weights q = Int8Weights.quantize(w, 2, 3, Int8Weights.PER_TENSOR, false);
        assertEquals(0.9f / 255, q.scales[0], 1e-9);
        assertEquals(-128, q.zeroPoints[0]);
        float[] back = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            assertTrue(Math.abs(back[i] - w[i]) <= q.scales[0] / 2 + 1e-7, "index " + i);
        }
    }

    @Test
    void perChannelHasOneScalePerColumnOrRowAndZeroChannelsStayZero() {
        float[] w = {1f, 0f, 100f, 2f, 0f, -50f};
        Int8Weights cols = Int8Weights.quantize(w, 2, 3, 1, true);
        assertArrayEquals(new float[] {2f / 127, 1f, 100f / 127}, cols.scales);
        assertEquals(0f, cols.dequantize()[1]);
        Int8Weights rows = Int8Weights.quantize(w, 2, 3, 0, true);
        assertArrayEquals(new float[] {100f / 127, 50f / 127}, rows.scales);
    }
}
