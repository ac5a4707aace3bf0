package io.inferflow.model.profile;

/**
 * PSI thresholds that map a value to a {@link DriftBand}: {@code psi < moderate} is STABLE,
 * {@code psi <= major} MODERATE, above that MAJOR.
 *
 * <pre>{@code
 * DriftBand band = DriftThresholds.defaults().band(0.3); // MAJOR
 * DriftBand strict = DriftThresholds.of(0.05, 0.2).band(0.1); // MODERATE
 * }</pre>
 */
public record DriftThresholds(double moderate, double major) {

    /** The default moderate threshold, 0.1. */
    public static final double DEFAULT_MODERATE = 0.1;

    /** The default major threshold, 0.25. */
    public static final double DEFAULT_MAJOR = 0.25;

    /** Checks {@code 0 < moderate <= major}, both finite. */
    public DriftThresholds {
        if (!(moderate > 0) || !(major >= moderate) || Double.isInfinite(major)) {
            throw new IllegalArgumentException(
                    "drift thresholds need 0 < moderate <= major (finite), got moderate "
                            + moderate + ", major " + major);
        }
    }

    /** 0.1 and 0.25. */
    public static DriftThresholds defaults() {
        return new DriftThresholds(DEFAULT_MODERATE, DEFAULT_MAJOR);
    }

    public static DriftThresholds of(double moderate, double major) {
        return new DriftThresholds(moderate, major);
    }

    /** The band of {@code psi}; NaN (nothing observed) counts as STABLE. */
    public DriftBand band(double psi) {
        if (Double.isNaN(psi) || psi < moderate) {
            return DriftBand.STABLE;
        }
        return psi <= major ? DriftBand.MODERATE : DriftBand.MAJOR;
    }
}
