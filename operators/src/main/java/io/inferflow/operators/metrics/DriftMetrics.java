package io.inferflow.operators.metrics;

import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.DriftValue;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.Arrays;
import java.util.List;

/**
 * One model version's drift gauges, set from its latest {@link DriftReport}, in group {@code
 * model=<name>}, {@code version=<v>}, then {@value #GROUP} of the drift aggregator: for example
 * {@code flink_taskmanager_job_task_operator_model_version_drift_maxPsi{model="demo",version="1"}}
 * and, for the first {@code drift.metrics.max-features} profiled features, {@code
 * ..._drift_feature_psi{feature="f3"}}. Labels stay bounded: model, version and only profiled
 * feature names. Gauges read NaN until the version's first window closes.
 */
public final class DriftMetrics {

    public static final String GROUP = "drift";
    public static final String MAX_PSI = "maxPsi";
    public static final String DRIFTED_FEATURES = "driftedFeatures";
    public static final String MAJOR_FEATURES = "majorFeatures";
    public static final String DRIFTED_SHARE = "driftedShare";
    public static final String SCORE_PSI = "scorePsi";
    public static final String WINDOW_EVENTS = "windowEvents";
    public static final String WINDOWS = "windows";
    public static final String FEATURE = "feature";
    public static final String PSI = "psi";

    private final Counter windows;
    private final String[] featureNames;
    private final double[] featurePsi;
    private volatile double maxPsi = Double.NaN;
    private volatile double scorePsi = Double.NaN;
    private volatile double driftedShare = Double.NaN;
    private volatile int drifted;
    private volatile int major;
    private volatile long windowEvents;

    /**
     * Registers the gauges of {@code model} v{@code version}, with a per-feature gauge for each of
     * {@code gaugedFeatures} (the first profiled features, already capped by the caller).
     */
    public DriftMetrics(
            MetricGroup parent, String model, long version, List<String> gaugedFeatures) {
        MetricGroup group =
                parent.addGroup(ModelMetrics.GROUP, model)
                        .addGroup(ModelVersionMetrics.VERSION, Long.toString(version))
                        .addGroup(GROUP);
        group.gauge(MAX_PSI, () -> maxPsi);
        group.gauge(SCORE_PSI, () -> scorePsi);
        group.gauge(DRIFTED_FEATURES, () -> drifted);
        group.gauge(MAJOR_FEATURES, () -> major);
        group.gauge(DRIFTED_SHARE, () -> driftedShare);
        group.gauge(WINDOW_EVENTS, () -> windowEvents);
        this.windows = group.counter(WINDOWS);
        this.featureNames = gaugedFeatures.toArray(new String[0]);
        this.featurePsi = new double[featureNames.length];
        Arrays.fill(featurePsi, Double.NaN);
        for (int i = 0; i < featureNames.length; i++) {
            int index = i;
            group.addGroup(FEATURE, featureNames[i]).gauge(PSI, () -> featurePsi(index));
        }
    }

    private synchronized double featurePsi(int index) {
        return featurePsi[index];
    }

    /** Shows {@code report}'s values from now on. */
    public void update(DriftReport report) {
        windows.inc();
        maxPsi = report.getMaxPsi();
        scorePsi = report.getScorePsi() == null ? Double.NaN : report.getScorePsi();
        drifted = report.getDriftedFeatures();
        major = report.getMajorFeatures();
        driftedShare = report.getDriftedShare();
        windowEvents = report.getEvents();
        List<DriftValue> features = report.getFeatures();
        synchronized (this) {
            for (int i = 0; i < featurePsi.length && i < features.size(); i++) {
                featurePsi[i] = features.get(i).getPsi();
            }
        }
    }

    public long windows() {
        return windows.getCount();
    }

    public double maxPsi() {
        return maxPsi;
    }
}
