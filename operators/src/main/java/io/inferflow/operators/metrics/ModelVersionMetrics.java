package io.inferflow.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * One model version's serving metrics, in a key/value group {@value #VERSION} below the model's
 * group (see {@link ModelMetrics#version(long)}), which the Prometheus reporter exports with the
 * labels {@code model} and {@code version}, for example {@code
 * flink_taskmanager_job_task_operator_model_version_predictionsOut{model="demo",version="1",...}}.
 *
 * <p>Counters: events routed to the version, predictions emitted, batches scored, dead letters in
 * total and per error type (a further key/value group {@value #ERROR_TYPE}). Meters: events in and
 * predictions per second. Histograms, over the last {@value #HISTOGRAM_WINDOW} batches or
 * events: batch size, model time per batch in microseconds, the time each event waited in its
 * batch (arrival at the operator until the flush) and end-to-end latency at emit time, measured
 * from the event's {@code event_time} and from its Kafka record timestamp, in milliseconds.
 */
public final class ModelVersionMetrics {

    public static final String VERSION = "version";
    public static final String ERROR_TYPE = ErrorTypeCounters.ERROR_TYPE;

    public static final String EVENTS_IN = "eventsIn";
    public static final String EVENTS_IN_PER_SECOND = "eventsInPerSecond";
    public static final String PREDICTIONS_OUT = "predictionsOut";
    public static final String PREDICTIONS_PER_SECOND = "predictionsPerSecond";
    public static final String DEAD_LETTERS = "deadLetters";
    public static final String BATCHES = "batches";
    /** Events the version failed on (error, non-finite output), dead-lettered or handed back. */
    public static final String FAILURES = "failures";
    /** Candidate events the stable version scored because the candidate failed on them. */
    public static final String FALLBACKS = "fallbacks";
    public static final String BATCH_SIZE = "batchSize";
    public static final String INFERENCE_MICROS = "inferenceMicros";
    public static final String QUEUE_WAIT_MILLIS = "queueWaitMillis";
    public static final String EVENT_TIME_LATENCY_MILLIS = "eventTimeLatencyMillis";
    public static final String RECORD_TIME_LATENCY_MILLIS = "recordTimeLatencyMillis";

    /** Gauge: native memory the version's ONNX Runtime session holds, bytes (-1 unknown). */
    public static final String NATIVE_BYTES = "nativeBytes";

    static final int HISTOGRAM_WINDOW = 1000;

    private final MetricGroup group;
    private final Counter eventsIn;
    private final Counter predictionsOut;
    private final Counter deadLetters;
    private final ErrorTypeCounters failuresByType;
    private final Counter fallbacks;
    private final Counter batches;
    private final ErrorTypeCounters deadLettersByType;
    private final Histogram batchSize;
    private final Histogram inferenceMicros;
    private final Histogram queueWaitMillis;
    private final Histogram eventTimeLatencyMillis;
    private final Histogram recordTimeLatencyMillis;
    private final boolean histograms;
    private Runnable onRelease = () -> {};

    /**
     * Registers the metrics in {@code modelGroup}'s key/value group {@code version=<version>};
     * without {@code histograms} only the counters and meters (no per-event histogram updates).
     */
    /**
     * Unregisters the version's metrics (its group is closed, so reporters drop its series) once
     * the version stops serving; a later version of the same number registers afresh. Without
     * this, a deployment that pushes a version a minute would keep every version's counters and
     * histograms, and export their series, for the job's lifetime.
     */
    public void release() {
        if (group instanceof org.apache.flink.runtime.metrics.groups.AbstractMetricGroup g) {
            g.close();
        }
        onRelease.run();
    }

    /** What {@link #release} also does: forget this version in its model's metrics. */
    void onRelease(Runnable action) {
        this.onRelease = action;
    }

    ModelVersionMetrics(MetricGroup modelGroup, long version, boolean histograms) {
        this.histograms = histograms;
        this.group = modelGroup.addGroup(VERSION, Long.toString(version));
        this.eventsIn = group.counter(EVENTS_IN);
        this.predictionsOut = group.counter(PREDICTIONS_OUT);
        this.deadLetters = group.counter(DEAD_LETTERS);
        this.deadLettersByType = new ErrorTypeCounters(group, DEAD_LETTERS);
        this.batches = group.counter(BATCHES);
        this.failuresByType = new ErrorTypeCounters(group, FAILURES);
        this.fallbacks = group.counter(FALLBACKS);
        group.meter(EVENTS_IN_PER_SECOND, new MeterView(eventsIn));
        group.meter(PREDICTIONS_PER_SECOND, new MeterView(predictionsOut));
        this.batchSize = histograms ? histogram(BATCH_SIZE) : null;
        this.inferenceMicros = histograms ? histogram(INFERENCE_MICROS) : null;
        this.queueWaitMillis = histograms ? histogram(QUEUE_WAIT_MILLIS) : null;
        this.eventTimeLatencyMillis = histograms ? histogram(EVENT_TIME_LATENCY_MILLIS) : null;
        this.recordTimeLatencyMillis =
                histograms ? histogram(RECORD_TIME_LATENCY_MILLIS) : null;
    }

    private Histogram histogram(String name) {
        return group.histogram(name, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    /** An event was routed to this version (it joins a batch or is rejected by the checks). */
    public void eventIn() {
        eventsIn.inc();
    }

    public void deadLetter(String errorType) {
        deadLetters.inc();
        deadLettersByType.inc(errorType);
    }

    /**
     * The version failed on {@code events} events ({@code errorType}: INFERENCE_FAILED,
     * NON_FINITE_OUTPUT); with {@code fellBack} the stable version scored them instead.
     */
    public void failed(String errorType, int events, boolean fellBack) {
        for (int i = 0; i < events; i++) {
            failuresByType.inc(errorType);
        }
        if (fellBack) {
            fallbacks.inc(events);
        }
    }

    public long failures(String errorType) {
        return failuresByType.count(errorType);
    }

    public long fallbacks() {
        return fallbacks.getCount();
    }

    /** A batch was scored: its size and how long the model took. */
    public void batchScored(int size, long micros) {
        batches.inc();
        if (histograms) {
            batchSize.update(size);
            inferenceMicros.update(micros);
        }
    }

    /**
     * One prediction emitted at {@code emittedAt} (epoch millis) for an event that arrived at the
     * operator at {@code arrivedAt} (processing time), carried {@code eventTime} and came from a
     * Kafka record stamped {@code recordTime}; a negative {@code recordTime} means none is known.
     */
    public void predicted(long emittedAt, long arrivedAt, long eventTime, long recordTime) {
        predictionsOut.inc();
        if (!histograms) {
            return;
        }
        queueWaitMillis.update(emittedAt - arrivedAt);
        eventTimeLatencyMillis.update(emittedAt - eventTime);
        if (recordTime >= 0) {
            recordTimeLatencyMillis.update(emittedAt - recordTime);
        }
    }

    public long eventsIn() {
        return eventsIn.getCount();
    }

    public long predictionsOut() {
        return predictionsOut.getCount();
    }

    public long deadLetters() {
        return deadLetters.getCount();
    }

    /** Dead letters of one error type so far; 0 for a type not seen. */
    public long deadLetters(String errorType) {
        return deadLettersByType.count(errorType);
    }

    public long batches() {
        return batches.getCount();
    }

    public Histogram batchSize() {
        return batchSize;
    }

    public Histogram inferenceMicros() {
        return inferenceMicros;
    }

    public Histogram queueWaitMillis() {
        return queueWaitMillis;
    }

    public Histogram eventTimeLatencyMillis() {
        return eventTimeLatencyMillis;
    }

    public Histogram recordTimeLatencyMillis() {
        return recordTimeLatencyMillis;
    }

    private volatile long nativeBytes = -1;
    private boolean nativeGauge;

    /**
     * The native memory the version's session holds (see {@code OnnxModel#nativeBytes}), as the
     * gauge {@value #NATIVE_BYTES}; registered on the first call.
     */
    public void nativeBytes(long bytes) {
        nativeBytes = bytes;
        if (!nativeGauge) {
            nativeGauge = true;
            group.gauge(NATIVE_BYTES, (org.apache.flink.metrics.Gauge<Long>) () -> nativeBytes);
        }
    }
}
