package io.inferflow.model.profile;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statistics on sampled data: windows from the reference distribution, then a shift. */
class DriftDetectionTest {

    private static final int FEATURES = 4;
    private static final int WINDOWS = 20;
    private static final int WINDOW_ROWS = 1_000;

    private static FeatureProfile[] referenceProfiles(Random random) {
        FeatureProfile[] profiles = new FeatureProfile[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            float[] values = new float[20_000];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            profiles[f] = FeatureProfile.of("f" + f, values, 10);
        }
        return profiles;
    }

    /** PSI per feature of one window drawn from N(shift[f], 1). */
    private static FeatureDrift[] window(FeatureProfile[] profiles, Random random, double[] shift) {
        BinCounter[] counters = new BinCounter[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            counters[f] = profiles[f].newCounter();
        }
        for (int r = 0; r < WINDOW_ROWS; r++) {
            for (int f = 0; f < FEATURES; f++) {
                counters[f].add(random.nextGaussian() + shift[f]);
            }
        }
        FeatureDrift[] drift = new FeatureDrift[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            drift[f] = DriftStatistics.compare(profiles[f], counters[f]);
        }
        return drift;
    }

    @Test
    void windowsFromTheReferenceDistributionStayStable() {
        Random random = new Random(11);
        FeatureProfile[] profiles = referenceProfiles(random);
        int stableWindows = 0;
        for (int w = 0; w < WINDOWS; w++) {
            boolean stable = true;
            for (FeatureDrift d : window(profiles, random, new double[FEATURES])) {
                stable &= d.psi() < 0.1;
                assertTrue(d.jensenShannon() >= 0 && d.jensenShannon() <= 1, d.toString());
            }
            stableWindows += stable ? 1 : 0;
        }
        assertTrue(stableWindows >= 19, stableWindows + " of " + WINDOWS + " windows stable");
    }

    @Test
    void aOneStdShiftOnOneFeatureIsMajorWhileTheOthersStayStable() {
        Random random = new Random(12);
        FeatureProfile[] profiles = referenceProfiles(random);
        double std = profiles[2].std();
        FeatureDrift[] drift = window(profiles, random, new double[] {0, 0, std, 0});
        DriftThresholds bands = DriftThresholds.defaults();
        for (int f = 0; f < FEATURES; f++) {
            DriftBand expected = f == 2 ? DriftBand.MAJOR : DriftBand.STABLE;
            assertEquals(expected, drift[f].band(bands), drift[f].toString());
        }
        assertTrue(drift[2].ks() > 0.3, drift[2].toString());
    }

    @Test
    void countersMergedAcrossSubtasksGiveTheSameStatistics() {
        Random random = new Random(13);
        FeatureProfile profile = referenceProfiles(random)[0];
        BinCounter whole = profile.newCounter();
        BinCounter[] parts = {profile.newCounter(), profile.newCounter(), profile.newCounter()};
        for (int i = 0; i < 3_000; i++) {
            double v = random.nextGaussian() + 0.3;
            whole.add(v);
            parts[i % 3].add(v);
        }
        BinCounter merged = parts[0].merge(parts[1]).merge(parts[2]);
        assertEquals(
                DriftStatistics.compare(profile, whole), DriftStatistics.compare(profile, merged));
    }
}
