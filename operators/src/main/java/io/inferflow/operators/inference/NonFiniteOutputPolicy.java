package io.inferflow.operators.inference;

/**
 * What the inference operator does with an event whose model output holds NaN or ±Infinity. No
 * policy lets a non-finite score reach {@code predictions}. A rollout's candidate failing this way
 * always counts as a failure: a canary's event is scored by the stable version instead.
 */
public enum NonFiniteOutputPolicy {
    /** Send the event to dead letters with {@code NON_FINITE_OUTPUT}. The default. */
    REJECT,
    /** Replace each NaN and ±Infinity in the output by 0 and emit the prediction. */
    ZERO
}
