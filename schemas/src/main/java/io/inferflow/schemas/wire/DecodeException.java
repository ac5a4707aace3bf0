package io.inferflow.schemas.wire;

import java.io.IOException;

/**
 * A record's bytes cannot be turned into an event. The record goes to the dead-letter topic with
 * {@link #errorType()} and the message; the job goes on.
 *
 * <p>Not for failures that are not the record's fault (registry unreachable): those must not
 * dead-letter good records, so they are thrown as other exceptions and fail the task.
 */
public class DecodeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String errorType;

    public DecodeException(String errorType, String message) {
        super(message);
        this.errorType = errorType;
    }

    public DecodeException(String errorType, String message, Throwable cause) {
        super(message, cause);
        this.errorType = errorType;
    }

    /** One of the constants in {@link ErrorTypes}. */
    public String errorType() {
        return errorType;
    }
}
