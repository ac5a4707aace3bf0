package io.inferflow.model.profile;

/**
 * How far one feature's observed values in a window are from its reference profile.
 *
 * @param name the feature (or score) name from the profile
 * @param count binned (non-NaN) values observed
 * @param nanRate share of NaN among all observed values (0 when nothing was observed)
 * @param psi population stability index, NaN when nothing was binned
 * @param jensenShannon Jensen-Shannon distance in [0, 1], NaN when nothing was binned
 * @param ks Kolmogorov-Smirnov statistic of the binned CDFs, NaN when nothing was binned
 */
public record FeatureDrift(
        String name, long count, double nanRate, double psi, double jensenShannon, double ks) {

    /** The band of this feature's PSI under {@code thresholds}. */
    public DriftBand band(DriftThresholds thresholds) {
        return thresholds.band(psi);
    }
}
