package io.inferflow.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The inference operator's metrics over all models, in group {@value #GROUP}: events in,
 * predictions out, dead letters in total and per error type (a key/value group {@value
 * #ERROR_TYPE}, a label in Prometheus), batches scored, histograms of batch size and of batch
 * inference time in microseconds (over the last {@value #HISTOGRAM_WINDOW} batches), and a gauge
 * of the records waiting in batches. The same per model version are in {@link
 * ModelVersionMetrics}; dead letters for events that no version took (unknown or retired model)
 * are counted here only.
 */
public final class InferenceMetrics {

    public static final String GROUP = "inference";
    public static final String EVENTS_IN = "eventsIn";
    public static final String PREDICTIONS_OUT = "predictionsOut";
    public static final String DEAD_LETTERS = "deadLetters";
    public static final String BATCHES = "batches";
    public static final String BATCH_SIZE = "batchSize";
    public static final String BATCH_INFERENCE_MICROS = "batchInferenceMicros";
    public static final String BUFFERED_RECORDS = "bufferedRecords";
    public static final String ERROR_TYPE = ErrorTypeCounters.ERROR_TYPE;

    static final int HISTOGRAM_WINDOW = 1000;

    private final ErrorTypeCounters deadLettersByType;
    private final Counter eventsIn;
    private final Counter predictionsOut;
    private final Counter deadLetters;
    private final Counter batches;
    private final Histogram batchSize;
    private final Histogram batchInferenceMicros;

    public InferenceMetrics(MetricGroup parent, Gauge<Integer> bufferedRecords) {
        MetricGroup group = parent.addGroup(GROUP);
        this.eventsIn = group.counter(EVENTS_IN);
        this.predictionsOut = group.counter(PREDICTIONS_OUT);
        this.deadLetters = group.counter(DEAD_LETTERS);
        this.deadLettersByType = new ErrorTypeCounters(group, DEAD_LETTERS);
        this.batches = group.counter(BATCHES);
        this.batchSize =
                group.histogram(BATCH_SIZE, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        this.batchInferenceMicros =
                group.histogram(
                        BATCH_INFERENCE_MICROS,
                        new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        group.gauge(BUFFERED_RECORDS, bufferedRecords);
    }

    public void eventIn() {
        eventsIn.inc();
    }

    public void deadLetter(String errorType) {
        deadLetters.inc();
        deadLettersByType.inc(errorType);
    }

    /** One batch scored successfully: its size and how long the model took. */
    public void batchScored(int size, long inferenceMicros) {
        batches.inc();
        batchSize.update(size);
        batchInferenceMicros.update(inferenceMicros);
        predictionsOut.inc(size);
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

    public Histogram batchInferenceMicros() {
        return batchInferenceMicros;
    }
}
