package io.inferflow.jobs.kafka;

import java.io.IOException;

/** Kafka could not be reached or refused the client; the message says which and why. */
public final class KafkaConnectionException extends IOException {

    private static final long serialVersionUID = 1L;

    public KafkaConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
