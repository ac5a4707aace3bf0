package io.inferflow.cli.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The PNG of a {@code pipeline bench} run: events/s per configuration (one bar per model), then
 * processing and visible p99 of the job configurations; and those of {@code --compression} and
 * {@code --transaction-ids}. Rendered headless.
 */
public final class BenchChart {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 420;

    private BenchChart() {}

    public static void write(Path file, ResultTable table, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<BenchResult> results = table.results();
        BufferedImage top = BitmapEncoder.getBufferedImage(
                chart(title, "events/s", results, r -> r.eventsPerSecond(), "events/s"));
        List<BenchResult> jobs = results.stream().filter(r -> r.visible() != null).toList();
        BufferedImage bottom = BitmapEncoder.getBufferedImage(jobs.isEmpty()
                ? chart("Latency", "ms", results, r -> r.latency().p99Ms(), "p99")
                : latency(jobs));
        SoakChart.writeStacked(file, WIDTH, top, bottom);
    }

    /** One bar per model and configuration. */
    private static CategoryChart chart(String title, String yTitle, List<BenchResult> results,
            Function<BenchResult, Double> value, String what) {
        CategoryChart chart = base(title, yTitle);
        Set<String> models = new LinkedHashSet<>();
        results.forEach(r -> models.add(r.model()));
        for (String model : models) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (BenchResult r : results) {
                if (r.model().equals(model)) {
                    x.add(r.config().label());
                    y.add(value.apply(r));
                }
            }
            chart.addSeries(model + " " + what, x, y);
        }
        return chart;
    }

    /** Processing and visible p99 per model and job configuration. */
    private static CategoryChart latency(List<BenchResult> jobs) {
        CategoryChart chart = base("Latency at the latency phase's rate", "ms");
        Set<String> models = new LinkedHashSet<>();
        jobs.forEach(r -> models.add(r.model()));
        for (String model : models) {
            List<String> x = new ArrayList<>();
            List<Double> processing = new ArrayList<>();
            List<Double> visible = new ArrayList<>();
            for (BenchResult r : jobs) {
                if (r.model().equals(model)) {
                    x.add(r.config().label());
                    processing.add(r.latency().p99Ms());
                    visible.add(r.visible().p99Ms());
                }
            }
            chart.addSeries(model + " processing p99", x, processing);
            chart.addSeries(model + " visible p99", x, visible);
        }
        return chart;
    }

    /**
     * The PNG of {@code --compression}: events/s per codec, then bytes per prediction on the
     * broker.
     */
    public static void writeCompression(Path file, List<Benchmark.CompressionResult> results,
            String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        // A codec listed twice (a second pass) gets its pass number: categories must differ.
        List<String> codecs = new ArrayList<>();
        for (Benchmark.CompressionResult r : results) {
            String label = r.codec();
            for (int pass = 2; codecs.contains(label); pass++) {
                label = r.codec() + " #" + pass;
            }
            codecs.add(label);
        }
        CategoryChart speed = base(title, "events/s");
        speed.addSeries("events/s", codecs,
                results.stream().map(Benchmark.CompressionResult::eventsPerSecond).toList());
        CategoryChart size = base("Bytes per prediction on the broker", "bytes");
        size.addSeries("bytes/prediction", codecs,
                results.stream().map(Benchmark.CompressionResult::bytesPerPrediction).toList());
        SoakChart.writeStacked(file, WIDTH, BitmapEncoder.getBufferedImage(speed),
                BitmapEncoder.getBufferedImage(size));
    }

    /**
     * The PNG of {@code --transaction-ids}: the broker's transactional ids of each naming
     * strategy over time, on a log axis (pooled ids stay flat, incrementing ones climb).
     */
    public static void writeTransactionIds(Path file, List<JobBench.TransactionIds> samples,
            String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("minutes").yAxisTitle("transactional ids on the broker (log)")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.#");
        chart.getStyler().setYAxisDecimalPattern("#,###");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        Set<String> namings = new LinkedHashSet<>();
        samples.forEach(t -> namings.add(t.naming()));
        for (String naming : namings) {
            List<JobBench.TransactionIds> mine =
                    samples.stream().filter(t -> t.naming().equals(naming)).toList();
            // A log axis cannot show 0: an empty broker is drawn at 1.
            chart.addSeries(naming, mine.stream().map(JobBench.TransactionIds::minutes).toList(),
                    mine.stream().map(t -> (double) Math.max(1, t.ids())).toList());
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static CategoryChart base(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisLabelRotation(15);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        return chart;
    }
}
