package io.inferflow.model.profile;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeatureProfileTest {

    @Test
    void decileBinsHoldTenPercentEachOnTheSameData() {
        Random random = new Random(3);
        float[] values = new float[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        FeatureProfile profile = FeatureProfile.of("x", values, 10);
        assertEquals(9, profile.edges().length);
        for (double p : profile.proportions()) {
            assertEquals(0.1, p, 0.001);
        }
        assertEquals(0.0, profile.mean(), 0.05);
        assertEquals(1.0, profile.std(), 0.05);
        assertEquals(0.0, profile.edges()[4], 0.05, "the median");
    }

    @Test
    void mergesEqualEdgesOfFewDistinctValues() {
        float[] values = new float[100];
        for (int i = 0; i < 100; i++) {
            values[i] = i < 70 ? 0 : 1;
        }
        FeatureProfile profile = FeatureProfile.of("flag", values, 10);
        assertArrayEquals(new double[] {1.0}, profile.edges());
        assertArrayEquals(new double[] {0.7, 0.3}, profile.proportions(), 1e-12);
    }

    @Test
    void constantValueGetsOneBin() {
        FeatureProfile profile = FeatureProfile.of("c", new float[] {4, 4, 4, 4}, 10);
        assertArrayEquals(new double[0], profile.edges());
        assertArrayEquals(new double[] {1.0}, profile.proportions(), 0);
        assertEquals(4.0, profile.mean(), 0);
        assertEquals(0.0, profile.std(), 0);
    }

    @Test
    void recordsNaNRateAndBinsOnlyTheOtherValues() {
        FeatureProfile profile =
                FeatureProfile.of(
                        "x", new float[] {1, 2, 3, 4, Float.NaN, Float.NaN, 5, 6, 7, 8}, 4);
        assertEquals(0.2, profile.nanRate(), 1e-12);
        assertArrayEquals(new double[] {3, 5, 7}, profile.edges());
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, profile.proportions(), 1e-12);
        assertEquals(4.5, profile.mean(), 1e-12);
        assertEquals(Math.sqrt(6.0), profile.std(), 1e-12);
    }

    @Test
    void rejectsProportionsThatDoNotSumToOne() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new FeatureProfile(
                                "x", new double[] {0}, new double[] {0.5, 0.4}, 0, 0, 1));
        assertEquals("feature 'x': proportions must sum to 1, got 0.9", e.getMessage());
    }

    @Test
    void rejectsProportionsThatDoNotMatchTheEdges() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new FeatureProfile(
                                "x", new double[] {0, 1}, new double[] {1}, 0, 0, 1));
        assertEquals("feature 'x': 2 edges make 3 bins, got 1 proportions", e.getMessage());
    }

    @Test
    void rejectsTooFewBins() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FeatureProfile.of("x", new float[] {1}, 1));
        assertEquals("bins must be between 2 and 1000, got 1", e.getMessage());
    }
}
