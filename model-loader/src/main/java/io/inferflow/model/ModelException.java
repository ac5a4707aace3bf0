package io.inferflow.model;

/**
 * A model could not be loaded, verified, converted or run. The message names what was wrong;
 * {@link #reason()} says which check failed.
 */
public class ModelException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * A machine-readable failure reason. Statuses, dead letters and metrics show its {@link
     * #name()}, so the names are part of what users see: {@link LoadFailure} for loading and
     * scoring, {@code QuantizeFailure} for converting.
     */
    public interface Reason {

        /** The reason as users see it, e.g. {@code SHA256_MISMATCH}. */
        String name();
    }

    private final Reason reason;

    public ModelException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ModelException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Which check failed, such as {@link LoadFailure#WRONG_INPUT_TYPE}. */
    public Reason reason() {
        return reason;
    }
}
