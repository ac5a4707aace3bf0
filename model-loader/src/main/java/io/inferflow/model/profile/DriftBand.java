package io.inferflow.model.profile;

/**
 * The usual PSI bands: below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 major. The thresholds
 * are configurable through {@link DriftThresholds}.
 */
public enum DriftBand {
    /** PSI below the moderate threshold (default 0.1). */
    STABLE,
    /** PSI from the moderate threshold up to and including the major one (default 0.25). */
    MODERATE,
    /** PSI above the major threshold (default 0.25). */
    MAJOR
}
