package io.inferflow.operators.metrics;

import io.inferflow.schemas.avro.LabelOutcome;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model version's online evaluation against labels, in group {@code model=<name>}, {@code
 * version=<v>}, then {@value #GROUP} of the labels join: for example {@code
 * flink_taskmanager_job_task_operator_model_version_labels_accuracy{model="demo",version="1"}}.
 *
 * <p>Counters: labels joined with a prediction ({@value #LABELED}), of which the predicted class
 * was right ({@value #CORRECT}), and predictions whose label did not come within the join window
 * ({@value #EXPIRED}). Gauges over the last {@code window} joined labels of this subtask:
 * accuracy, mean log-loss (first score taken as P(label = 1), clipped to [1e-7, 1 - 1e-7]) and
 * mean absolute error; NaN until the first label.
 */
public final class LabelMetrics {

    public static final String GROUP = "labels";
    public static final String LABELED = "labeled";
    public static final String CORRECT = "correct";
    public static final String EXPIRED = "expired";
    public static final String ACCURACY = "accuracy";
    public static final String LOG_LOSS = "logLoss";
    public static final String ABSOLUTE_ERROR = "absoluteError";

    private final Counter labeled;
    private final Counter correct;
    private final Counter expired;
    private final boolean[] hits;
    private final double[] logLosses;
    private final double[] errors;
    private int next;
    private int filled;
    private int hitsInWindow;
    private double logLossInWindow;
    private double errorInWindow;

    public LabelMetrics(MetricGroup parent, String model, long version, int window) {
        MetricGroup group =
                parent.addGroup(ModelMetrics.GROUP, model)
                        .addGroup(ModelVersionMetrics.VERSION, Long.toString(version))
                        .addGroup(GROUP);
        this.labeled = group.counter(LABELED);
        this.correct = group.counter(CORRECT);
        this.expired = group.counter(EXPIRED);
        this.hits = new boolean[window];
        this.logLosses = new double[window];
        this.errors = new double[window];
        group.gauge(ACCURACY, this::accuracy);
        group.gauge(LOG_LOSS, this::logLoss);
        group.gauge(ABSOLUTE_ERROR, this::absoluteError);
    }

    /** A prediction met its label with this outcome. */
    public synchronized void joined(LabelOutcome outcome) {
        boolean hit = outcome.getCorrect();
        double logLoss = outcome.getLogLoss();
        double error = outcome.getAbsoluteError();
        labeled.inc();
        if (hit) {
            correct.inc();
        }
        if (filled == hits.length) {
            hitsInWindow -= hits[next] ? 1 : 0;
            logLossInWindow -= logLosses[next];
            errorInWindow -= errors[next];
        } else {
            filled++;
        }
        hits[next] = hit;
        logLosses[next] = logLoss;
        errors[next] = error;
        hitsInWindow += hit ? 1 : 0;
        logLossInWindow += logLoss;
        errorInWindow += error;
        next = (next + 1) % hits.length;
    }

    /** A prediction of this version got no label within the join window. */
    public void expired() {
        expired.inc();
    }

    public synchronized double accuracy() {
        return filled == 0 ? Double.NaN : (double) hitsInWindow / filled;
    }

    public synchronized double logLoss() {
        return filled == 0 ? Double.NaN : logLossInWindow / filled;
    }

    public synchronized double absoluteError() {
        return filled == 0 ? Double.NaN : errorInWindow / filled;
    }

    public long labeled() {
        return labeled.getCount();
    }

    public long correct() {
        return correct.getCount();
    }

    public long expiredCount() {
        return expired.getCount();
    }
}
