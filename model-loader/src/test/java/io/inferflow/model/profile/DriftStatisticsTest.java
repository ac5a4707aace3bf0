package io.inferflow.model.profile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftStatisticsTest {

    private static final double[] HALVES = {0.5, 0.5};
    private static final double[] SHIFTED = {0.7, 0.3};

    @Test
    void identicalDistributionsHaveZeroDistance() {
        double[] p = {0.1, 0.2, 0.3, 0.4};
        long[] counts = {10, 20, 30, 40};
        assertEquals(0.0, DriftStatistics.psi(p, counts), 1e-15);
        assertEquals(0.0, DriftStatistics.jensenShannon(p, counts), 1e-7);
        assertEquals(0.0, DriftStatistics.ks(p, counts), 1e-15);
    }

    @Test
    void psiOfAKnownShiftMatchesTheHandComputedValue() {
        // 0.2 * ln(0.7 / 0.5) + (-0.2) * ln(0.3 / 0.5)
        assertEquals(0.16945957207744072, DriftStatistics.psi(HALVES, SHIFTED), 1e-12);
        assertEquals(0.16945957207744072, DriftStatistics.psi(HALVES, new long[] {70, 30}), 1e-12);
    }

    @Test
    void psiRaisesEmptyBinsToEpsilon() {
        double[] expected = {0.25, 0.25, 0.25, 0.25};
        double[] actual = {0.5, 0.5, 0, 0};
        // two bins at 0.25 * ln 2 each, two at (1e-4 - 0.25) * ln(1e-4 / 0.25)
        double byHand = 2 * 0.25 * Math.log(2) + 2 * (1e-4 - 0.25) * Math.log(1e-4 / 0.25);
        assertEquals(byHand, DriftStatistics.psi(expected, actual), 1e-12);
        assertEquals(4.257031786505947, DriftStatistics.psi(expected, actual), 1e-12);
        assertEquals(0.0, DriftStatistics.psi(new double[] {1, 0}, new double[] {1, 0}), 1e-15);
    }

    @Test
    void jensenShannonIsSymmetricAndBetweenZeroAndOne() {
        assertEquals(0.17408372939284805, DriftStatistics.jensenShannon(HALVES, SHIFTED), 1e-12);
        assertEquals(
                DriftStatistics.jensenShannon(HALVES, SHIFTED),
                DriftStatistics.jensenShannon(SHIFTED, HALVES),
                1e-15);
        assertEquals(
                1.0,
                DriftStatistics.jensenShannon(new double[] {1, 0}, new double[] {0, 1}),
                1e-12);
        double[][] shares = {
            {0.1, 0.9, 0}, {0, 0, 1}, {1 / 3.0, 1 / 3.0, 1 / 3.0}, {0.6, 0.2, 0.2}
        };
        for (double[] p : shares) {
            for (double[] q : shares) {
                double js = DriftStatistics.jensenShannon(p, q);
                assertTrue(js >= 0 && js <= 1, "JS " + js);
            }
        }
    }

    @Test
    void ksIsTheLargestDifferenceOfTheBinnedCdfs() {
        assertEquals(0.2, DriftStatistics.ks(HALVES, SHIFTED), 1e-12);
        double[] p = {0.2, 0.3, 0.5};
        long[] q = {50, 40, 10};
        // CDFs 0.2/0.5/1.0 against 0.5/0.9/1.0: largest difference 0.4 at the second edge
        assertEquals(0.4, DriftStatistics.ks(p, q), 1e-12);
    }

    @Test
    void nothingObservedGivesNaN() {
        long[] none = {0, 0};
        assertTrue(Double.isNaN(DriftStatistics.psi(HALVES, none)));
        assertTrue(Double.isNaN(DriftStatistics.jensenShannon(HALVES, none)));
        assertTrue(Double.isNaN(DriftStatistics.ks(HALVES, none)));
    }

    @Test
    void rejectsCountsForADifferentNumberOfBins() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> DriftStatistics.psi(HALVES, new long[] {1, 2, 3}));
        assertEquals("expected 2 bins, observed counts have 3", e.getMessage());
    }

    @Test
    void comparesACounterWithItsProfile() {
        FeatureProfile profile =
                new FeatureProfile("x", new double[] {0.0}, HALVES, 0.0, 0.0, 1.0);
        BinCounter counter = profile.newCounter();
        for (int i = 0; i < 7; i++) {
            counter.add(1.0);
        }
        for (int i = 0; i < 3; i++) {
            counter.add(-1.0);
        }
        counter.add(Double.NaN);
        FeatureDrift drift = DriftStatistics.compare(profile, counter);
        assertEquals("x", drift.name());
        assertEquals(10, drift.count());
        assertEquals(1 / 11.0, drift.nanRate(), 1e-12);
        assertEquals(0.16945957207744072, drift.psi(), 1e-12);
        assertEquals(0.2, drift.ks(), 1e-12);
        assertEquals(DriftBand.MODERATE, drift.band(DriftThresholds.defaults()));
    }

    @Test
    void bandsFollowTheUsualThresholds() {
        DriftThresholds bands = DriftThresholds.defaults();
        assertEquals(DriftBand.STABLE, bands.band(0.0));
        assertEquals(DriftBand.STABLE, bands.band(0.099));
        assertEquals(DriftBand.MODERATE, bands.band(0.1));
        assertEquals(DriftBand.MODERATE, bands.band(0.25));
        assertEquals(DriftBand.MAJOR, bands.band(0.2501));
        assertEquals(DriftBand.STABLE, bands.band(Double.NaN));
    }

    @Test
    void thresholdsAreConfigurableAndChecked() {
        DriftThresholds strict = DriftThresholds.of(0.05, 0.2);
        assertEquals(DriftBand.MODERATE, strict.band(0.05));
        assertEquals(DriftBand.MAJOR, strict.band(0.21));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DriftThresholds.of(0.3, 0.2));
        assertEquals(
                "drift thresholds need 0 < moderate <= major (finite), got moderate 0.3, major 0.2",
                e.getMessage());
    }
}
