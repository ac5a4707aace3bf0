package io.inferflow.cli.bench;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checkpoints of a bench job as its JobManager counts them: a metric reporter (registered
 * on the job's configuration, {@link #register}) that keeps each job's {@code
 * numberOfCompletedCheckpoints} and {@code lastCheckpointDuration} gauges, and a {@link
 * Sampler} that polls them and records the duration of every checkpoint that completes while it
 * runs. The MiniCluster runs in this JVM, so the reporter and the bench share the gauges.
 */
public final class CheckpointProbe implements MetricReporter {

    private static final String JOB_NAME = "<job_name>";

    /** Job name to its gauges; filled as the JobManager registers them. */
    private static final Map<String, Gauges> JOBS = new ConcurrentHashMap<>();

    private record Gauges(Gauge<?> completed, Gauge<?> lastDuration) {}

    private final Map<String, Gauge<?>> completed = new ConcurrentHashMap<>();
    private final Map<String, Gauge<?>> durations = new ConcurrentHashMap<>();

    /** Adds the probe to a job's configuration. */
    static void register(Configuration conf) {
        conf.setString("metrics.reporter.bench-checkpoints.factory.class", Factory.class.getName());
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        String job = group.getAllVariables().get(JOB_NAME);
        if (job == null || !(metric instanceof Gauge<?> gauge)) {
            return;
        }
        if (name.equals("numberOfCompletedCheckpoints")) {
            completed.put(job, gauge);
        } else if (name.equals("lastCheckpointDuration")) {
            durations.put(job, gauge);
        } else {
            return;
        }
        if (completed.containsKey(job) && durations.containsKey(job)) {
            JOBS.put(job, new Gauges(completed.get(job), durations.get(job)));
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {}

    /** Creates the reporter; named by class in the job's configuration. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CheckpointProbe();
        }
    }

    /** Polls one job's gauges on a thread of its own until closed. */
    static final class Sampler implements AutoCloseable {
        private final String job;
        private final Thread thread;
        private final List<Double> durationsMs = new ArrayList<>();
        private volatile boolean running = true;

        Sampler(String job) {
            this.job = job;
            this.thread = new Thread(this::poll, "bench-checkpoint-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            long seen = -1;
            while (running) {
                Gauges gauges = JOBS.get(job);
                if (gauges != null) {
                    long count = number(gauges.completed());
                    if (seen >= 0 && count > seen) {
                        synchronized (durationsMs) {
                            durationsMs.add((double) number(gauges.lastDuration()));
                        }
                    }
                    seen = count;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static long number(Gauge<?> gauge) {
            Object value = gauge.getValue();
            return value instanceof Number n ? n.longValue() : -1;
        }

        /** The duration of each checkpoint that completed since the sampler started. */
        double[] durationsMs() {
            synchronized (durationsMs) {
                return durationsMs.stream().mapToDouble(Double::doubleValue).toArray();
            }
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
