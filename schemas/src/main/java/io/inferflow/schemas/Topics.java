package io.inferflow.schemas;

/** Default topic names of the contract (DESIGN.md); every one can be changed by configuration. */
public final class Topics {

    public static final String FEATURES = "features";
    public static final String PREDICTIONS = "predictions";
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String MODEL_CONTROL = "model-control";
    public static final String MODEL_STATUS = "model-status";
    public static final String DRIFT = "drift";
    public static final String LABELS = "labels";
    public static final String DRIFT_COUNTS = "drift-counts";
    public static final String PREDICTIONS_SHADOW = "predictions-shadow";
    public static final String MODEL_ROLLOUTS = "model-rollouts";

    private Topics() {}

    /** The Schema Registry subject of a topic's values (topic-name strategy). */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }
}
