package io.inferflow.operators.inference;

/** What the inference operator does with an event whose features hold NaN or ±Infinity. */
public enum NonFiniteFeaturePolicy {
    /** Send the event to dead letters with {@code NON_FINITE_FEATURE}. The default. */
    REJECT,
    /** Replace each NaN and ±Infinity by 0 and score the event. */
    ZERO,
    /** Give the features to the model as they are. */
    PASS
}
