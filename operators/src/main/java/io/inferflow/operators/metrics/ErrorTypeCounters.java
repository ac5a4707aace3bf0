package io.inferflow.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Map;

/**
 * One counter per error type, named {@code name} in the key/value group {@value #ERROR_TYPE}
 * (an {@code error_type} label in Prometheus), registered on the first error of a type. Error
 * types are a small fixed set ({@link io.inferflow.schemas.wire.ErrorTypes}).
 */
final class ErrorTypeCounters {

    static final String ERROR_TYPE = "error_type";

    private final MetricGroup group;
    private final String name;
    private final Map<String, Counter> counters = new HashMap<>();

    ErrorTypeCounters(MetricGroup group, String name) {
        this.group = group;
        this.name = name;
    }

    void inc(String errorType) {
        counters.computeIfAbsent(errorType, t -> group.addGroup(ERROR_TYPE, t).counter(name))
                .inc();
    }

    /** The count of one error type so far; 0 for a type not seen. */
    long count(String errorType) {
        Counter c = counters.get(errorType);
        return c == null ? 0 : c.getCount();
    }
}
