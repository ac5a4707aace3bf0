package io.inferflow.cli.job;

/**
 * Flink's REST API could not be reached or refused a call; the message names the URL or job and
 * carries Flink's reason.
 */
public final class FlinkRestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FlinkRestException(String message) {
        super(message);
    }

    public FlinkRestException(String message, Throwable cause) {
        super(message, cause);
    }
}
