package io.inferflow.cli.bench;

import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code pipeline bench --latency-sweep}: the production job (micro-batched, exactly-once sinks,
 * unaligned checkpoints as {@code flink-conf/config.yaml} has them, no minimum pause) on one
 * model at each checkpoint interval, then with {@code delivery.mode=at-least-once}: per row the
 * throughput (a bounded run of preloaded events), then processing and visible latency at one
 * fixed rate, the checkpoints' durations, and the process's CPU seconds per million predictions
 * and peak RSS. The rate is the first row's: half its throughput, at most {@value
 * BenchSettings#MAX_AUTO_RATE} events/s, as for {@code pipeline bench}'s latency phases, unless
 * {@code --latency-rate}.
 *
 * <p>The median breakdown splits the visible median over the processing median into the wait
 * for the next checkpoint's barrier (half the interval for events arriving uniformly), the
 * checkpoint's own median duration, and the rest: the notification of completion, the sink's
 * transaction commit and the reader's fetch.
 */
public final class LatencySweep {

    /** Checkpoint intervals the sweep runs by default, ms. */
    public static final List<Long> DEFAULT_INTERVALS = List.of(100L, 200L, 500L, 1_000L, 5_000L);

    /** The at-least-once row's checkpoint interval, ms (checkpoints only commit offsets there). */
    static final long AT_LEAST_ONCE_INTERVAL_MS = 1_000;

    /**
     * One configuration of the sweep.
     *
     * @param mode {@code exactly-once} or {@code at-least-once}
     * @param barrierWaitMs half the interval: the median wait for the next barrier
     * @param restMs visible p50 - processing p50 - barrier wait - checkpoint p50
     */
    public record Row(
            String mode,
            long intervalMs,
            double throughput,
            double rate,
            double sentRate,
            LatencySummary processing,
            LatencySummary visible,
            double visibleP999Ms,
            LatencySummary checkpoints,
            double cpuSecondsPerMillion,
            long peakRssBytes,
            double barrierWaitMs,
            double restMs) {

        static Row of(String mode, long intervalMs, JobBench.Throughput t, JobBench.Latency l) {
            boolean transactional = mode.equals("exactly-once");
            double barrier = transactional ? intervalMs / 2.0 : 0;
            double checkpoint = !transactional || l.checkpoints() == null
                    ? 0 : l.checkpoints().p50Ms();
            return new Row(mode, intervalMs, t.eventsPerSecond(), l.offeredRate(), l.sentRate(),
                    l.processing(), l.visible(), l.visibleP999Ms(), l.checkpoints(),
                    l.cpuSecondsPerMillion(), l.peakRssBytes(), barrier,
                    l.visible().p50Ms() - l.processing().p50Ms() - barrier - checkpoint);
        }
    }

    private final BenchSettings settings;
    private final PrintStream progress;

    public LatencySweep(BenchSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs the sweep on the first model over {@code intervalsMs}, then at-least-once. */
    public List<Row> run(Path workDir, List<Long> intervalsMs) throws Exception {
        BenchModel model = BenchModel.resolve(settings.models().get(0), workDir);
        long events = settings.eventsFor(model.defaultEvents());
        List<Row> rows = new ArrayList<>();
        progress.printf(Locale.ROOT, "[sweep] one session of '%s' holds %.1f MB of native"
                + " memory%n", model.name(), Benchmark.nativeBytes(model) / 1048576.0);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
                LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0)) {
            JobBench jobs = new JobBench(kafka.bootstrapServers(), registry.url(), settings,
                    Long.toString(System.currentTimeMillis(), 36), progress);
            jobs.warmUp(model, Benchmark.WARM_UP_EVENTS);
            // As production runs: unaligned checkpoints; no minimum pause, which would stretch
            // every short interval to itself.
            jobs.override("execution.checkpointing.unaligned.enabled", "true");
            jobs.override("execution.checkpointing.min-pause", "0 ms");
            double rate = 0;
            for (long interval : intervalsMs) {
                jobs.override("execution.checkpointing.interval", interval + " ms");
                rows.add(measure(jobs, model, events, "exactly-once", interval, rate));
                rate = rows.get(0).rate();
            }
            jobs.override("execution.checkpointing.interval", AT_LEAST_ONCE_INTERVAL_MS + " ms");
            jobs.override("delivery.mode", "at-least-once");
            rows.add(measure(jobs, model, events, "at-least-once", AT_LEAST_ONCE_INTERVAL_MS,
                    rate));
        }
        return rows;
    }

    /** One row; {@code rate} 0 picks it from this row's throughput. */
    private Row measure(JobBench jobs, BenchModel model, long events, String mode, long interval,
            double rate) throws Exception {
        progress.printf(Locale.ROOT, "[sweep] %s, checkpoints every %,d ms%n", mode, interval);
        JobBench.Throughput t = jobs.throughput(model, BenchConfig.BATCHED, events);
        double r = rate > 0 ? rate : settings.latencyRateFor(t.eventsPerSecond());
        return Row.of(mode, interval, t, jobs.latency(model, BenchConfig.BATCHED, r));
    }

    /** The sweep as a text table with its median breakdown. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "%-13s %8s %10s %8s %13s %21s %17s %9s %10s%n",
                "mode", "ckpt ms", "events/s", "rate", "proc p50/p99", "visible p50/p99/p99.9",
                "ckpt p50/max ms", "CPU s/M", "peak RSS"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT,
                    "%-13s %,8d %,10.0f %,8.0f %6s/%-6s %6s/%6s/%7s %8s/%-8s %9.1f %7.0f MB%n",
                    r.mode(), r.intervalMs(), r.throughput(), r.rate(),
                    ResultTable.millis(r.processing().p50Ms()),
                    ResultTable.millis(r.processing().p99Ms()),
                    ResultTable.millis(r.visible().p50Ms()), ResultTable.millis(r.visible().p99Ms()),
                    ResultTable.millis(r.visibleP999Ms()),
                    r.checkpoints() == null ? "-" : ResultTable.millis(r.checkpoints().p50Ms()),
                    r.checkpoints() == null ? "-" : ResultTable.millis(r.checkpoints().maxMs()),
                    r.cpuSecondsPerMillion(), r.peakRssBytes() / 1024.0 / 1024.0));
        }
        sb.append(String.format("%nMedian breakdown of visible latency (ms):%n"));
        sb.append(String.format(Locale.ROOT, "%-13s %8s %11s %14s %11s %22s%n",
                "mode", "ckpt ms", "processing", "barrier wait", "checkpoint",
                "commit + read (rest)"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-13s %,8d %11.0f %14.0f %11.0f %22.0f%n",
                    r.mode(), r.intervalMs(), r.processing().p50Ms(), r.barrierWaitMs(),
                    r.mode().equals("exactly-once") && r.checkpoints() != null
                            ? r.checkpoints().p50Ms() : 0,
                    r.restMs()));
        }
        return sb.toString();
    }

    /**
     * The PNG: visible p50, p99 and p99.9 against the checkpoint interval (log scale) for
     * exactly-once, the at-least-once visible p99 as a flat reference line, and throughput on the
     * right axis.
     */
    public static void writeChart(Path file, List<Row> rows, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(560).title(title)
                .xAxisTitle("checkpoint interval, ms (log)").yAxisTitle("visible latency, ms")
                .build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.getStyler().setYAxisMin(0, 0.0);
        chart.getStyler().setYAxisMin(1, 0.0);
        chart.setYAxisGroupTitle(1, "events/s");
        List<Row> exactlyOnce = rows.stream().filter(r -> r.mode().equals("exactly-once"))
                .toList();
        series(chart, "exactly-once visible p50", exactlyOnce, r -> r.visible().p50Ms(), 0);
        series(chart, "exactly-once visible p99", exactlyOnce, r -> r.visible().p99Ms(), 0);
        series(chart, "exactly-once visible p99.9", exactlyOnce, Row::visibleP999Ms, 0);
        series(chart, "throughput (right)", exactlyOnce, Row::throughput, 1);
        rows.stream().filter(r -> r.mode().equals("at-least-once")).findFirst().ifPresent(a -> {
            List<Double> x = exactlyOnce.stream().map(r -> (double) r.intervalMs()).toList();
            List<Double> y = x.stream().map(v -> a.visible().p99Ms()).toList();
            XYSeries s = chart.addSeries("at-least-once visible p99", x, y);
            s.setMarker(SeriesMarkers.NONE);
        });
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void series(XYChart chart, String name, List<Row> rows,
            ToDoubleFunction<Row> value, int axis) {
        if (rows.isEmpty()) {
            return;
        }
        List<Double> x = rows.stream().map(r -> (double) r.intervalMs()).toList();
        List<Double> y = rows.stream().map(value::applyAsDouble).toList();
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setYAxisGroup(axis);
    }
}
