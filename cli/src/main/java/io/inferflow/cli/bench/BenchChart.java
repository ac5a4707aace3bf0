package io.inferflow.cli.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
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
 * processing and visible p99 of the job configurations. Rendered headless.
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

    private static CategoryChart base(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisLabelRotation(15);
        return chart;
    }
}
