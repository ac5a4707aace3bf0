package io.inferflow.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.HashMap;
import java.util.Map;

/**
 * One served model's metrics, in group {@value #GROUP} with the model name as its value (a
 * {@code model="fraud"} label in Prometheus): the active version (0 while none), the active
 * version's bits per weight (32 FP32, 16 FP16, 8 INT8; 0 while none), whether the active
 * version runs on the CUDA execution provider (1) or not (0; also while none), versions that
 * became active on the CPU although {@code inference.device=auto} would have taken CUDA, successful
 * loads, failed loads and a histogram of load times in milliseconds (over the last {@value
 * #HISTOGRAM_WINDOW} loads). Each version that becomes active gets its serving metrics below
 * this group, labelled with the version ({@link #version(long)}).
 */
public final class ModelMetrics {

    public static final String GROUP = "model";
    public static final String ACTIVE_VERSION = "activeVersion";
    public static final String ACTIVE_PRECISION_BITS = "activePrecisionBits";
    public static final String LOADS = "loads";
    public static final String LOAD_FAILURES = "loadFailures";
    public static final String LOAD_MILLIS = "loadMillis";
    public static final String ACTIVE_ON_GPU = "activeOnGpu";
    public static final String CUDA_FALLBACKS = "cudaFallbacks";

    static final int HISTOGRAM_WINDOW = 100;

    private final MetricGroup group;
    private final Map<Long, ModelVersionMetrics> versions = new HashMap<>();
    private final Counter loads;
    private final Counter loadFailures;
    private final Histogram loadMillis;
    private final Counter cudaFallbacks;
    private final boolean histograms;
    /** 1 while the active version runs on CUDA; read by the metric reporter. */
    private volatile int activeOnGpu;

    public ModelMetrics(
            MetricGroup parent,
            String model,
            Gauge<Long> activeVersion,
            Gauge<Integer> activePrecisionBits) {
        this(parent, model, activeVersion, activePrecisionBits, true);
    }

    /**
     * @param histograms whether versions update their latency and batch histograms ({@code
     *     inference.metrics.histograms})
     */
    public ModelMetrics(
            MetricGroup parent,
            String model,
            Gauge<Long> activeVersion,
            Gauge<Integer> activePrecisionBits,
            boolean histograms) {
        this.histograms = histograms;
        this.group = parent.addGroup(GROUP, model);
        group.gauge(ACTIVE_VERSION, activeVersion);
        group.gauge(ACTIVE_PRECISION_BITS, activePrecisionBits);
        this.loads = group.counter(LOADS);
        this.loadFailures = group.counter(LOAD_FAILURES);
        this.loadMillis =
                group.histogram(LOAD_MILLIS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        group.gauge(ACTIVE_ON_GPU, (Gauge<Integer>) () -> activeOnGpu);
        this.cudaFallbacks = group.counter(CUDA_FALLBACKS);
    }

    /**
     * The serving metrics of one version, registered the first time the version is asked for
     * and kept while it serves; {@link ModelVersionMetrics#release()} unregisters them when it
     * stops (a rollback to it later starts them afresh), so a long run that pushes many versions
     * keeps the metrics of the few that serve.
     */
    public ModelVersionMetrics version(long version) {
        return versions.computeIfAbsent(version, v -> {
            ModelVersionMetrics metrics = new ModelVersionMetrics(group, v, histograms);
            metrics.onRelease(() -> versions.remove(v, metrics));
            return metrics;
        });
    }

    /** The versions with registered metrics now. */
    public java.util.Set<Long> versions() {
        return java.util.Set.copyOf(versions.keySet());
    }

    public void loaded(long millis) {
        loads.inc();
        loadMillis.update(millis);
    }

    /** The active version runs on the GPU ({@code true}), on the CPU or none is active. */
    public void activeOnGpu(boolean onGpu) {
        activeOnGpu = onGpu ? 1 : 0;
    }

    public int activeOnGpu() {
        return activeOnGpu;
    }

    /** A version became active on the CPU because CUDA could not be used. */
    public void cudaFallback() {
        cudaFallbacks.inc();
    }

    public long cudaFallbacks() {
        return cudaFallbacks.getCount();
    }

    public void loadFailed() {
        loadFailures.inc();
    }

    public long loads() {
        return loads.getCount();
    }

    public long loadFailures() {
        return loadFailures.getCount();
    }

    public Histogram loadMillis() {
        return loadMillis;
    }
}
