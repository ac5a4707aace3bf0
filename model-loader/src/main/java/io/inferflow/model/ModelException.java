package io.inferflow.model;

/** A model could not be loaded, verified or run. The message names what was wrong. */
public class ModelException extends Exception {

    private final String reason;

    public ModelException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ModelException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Short machine-readable reason, such as {@code NOT_ONNX} or {@code WRONG_INPUT_TYPE}. */
    public String reason() {
        return reason;
    }
}
