package io.inferflow.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The decoding stage's metrics, in group {@value #GROUP}: events decoded, and records sent to
 * dead letters in total and per error type (a key/value group {@value #ERROR_TYPE}, which the
 * Prometheus reporter turns into a label; error types are a small fixed set).
 */
public final class DecodeMetrics {

    public static final String GROUP = "decode";
    public static final String EVENTS_DECODED = "eventsDecoded";
    public static final String DEAD_LETTERS = "deadLetters";
    /** Decoding attempts repeated because the registry could not be reached. */
    public static final String REGISTRY_RETRIES = "registryRetries";
    public static final String ERROR_TYPE = ErrorTypeCounters.ERROR_TYPE;

    private final Counter decoded;
    private final Counter deadLetters;
    private final Counter registryRetries;
    private final ErrorTypeCounters deadLettersByType;

    public DecodeMetrics(MetricGroup parent) {
        MetricGroup group = parent.addGroup(GROUP);
        this.decoded = group.counter(EVENTS_DECODED);
        this.deadLetters = group.counter(DEAD_LETTERS);
        this.registryRetries = group.counter(REGISTRY_RETRIES);
        this.deadLettersByType = new ErrorTypeCounters(group, DEAD_LETTERS);
    }

    public void registryRetry() {
        registryRetries.inc();
    }

    public long registryRetryCount() {
        return registryRetries.getCount();
    }

    public void decoded() {
        decoded.inc();
    }

    public void deadLettered(String errorType) {
        deadLetters.inc();
        deadLettersByType.inc(errorType);
    }

    public long decodedCount() {
        return decoded.getCount();
    }

    public long deadLetterCount() {
        return deadLetters.getCount();
    }

    /** Dead letters of one error type so far; 0 for a type not seen. */
    public long deadLetterCount(String errorType) {
        return deadLettersByType.count(errorType);
    }
}
