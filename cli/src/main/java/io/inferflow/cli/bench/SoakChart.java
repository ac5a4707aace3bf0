package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * The PNG of a soak run ({@code soak.png}), two panels over time: throughput with visible p99,
 * then RSS, heap and every job's checkpoint size. Rendered headless.
 */
public final class SoakChart {

    private static final int WIDTH = 1100;
    private static final int PANEL_HEIGHT = 420;
    private static final double MB = 1024.0 * 1024.0;

    private SoakChart() {}

    /** Writes the chart of {@code samples} to {@code file} as PNG. */
    public static void write(Path file, List<SoakSample> samples, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage top = BitmapEncoder.getBufferedImage(throughput(samples, title));
        BufferedImage bottom = BitmapEncoder.getBufferedImage(memory(samples));
        writeStacked(file, WIDTH, top, bottom);
    }

    /** Writes two panels, one above the other, as one PNG {@code width} wide. */
    static void writeStacked(Path file, int width, BufferedImage top, BufferedImage bottom)
            throws IOException {
        BufferedImage both =
                new BufferedImage(width, top.getHeight() + bottom.getHeight(),
                        BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        try {
            g.drawImage(top, 0, 0, null);
            g.drawImage(bottom, 0, top.getHeight(), null);
        } finally {
            g.dispose();
        }
        ImageIO.write(both, "png", file.toFile());
    }

    private static XYChart throughput(List<SoakSample> samples, String title) {
        XYChart chart = panel(title, "events/s");
        add(chart, "events produced/s", samples, s -> true, SoakSample::eventsPerSecond, 0);
        add(chart, "predictions/s (read_committed)", samples, s -> true,
                SoakSample::predictionsPerSecond, 0);
        add(chart, "visible p99 ms (right)", samples, s -> s.visible() != null,
                s -> s.visible().p99Ms(), 1);
        chart.setYAxisGroupTitle(1, "visible p99 ms");
        return chart;
    }

    private static XYChart memory(List<SoakSample> samples) {
        XYChart chart = panel("Memory and checkpoint state", "MB");
        add(chart, "RSS", samples, s -> s.rssBytes() >= 0, s -> s.rssBytes() / MB, 0);
        add(chart, "heap used", samples, s -> true, s -> s.heapUsedBytes() / MB, 0);
        Map<String, String> jobs = new LinkedHashMap<>();
        samples.forEach(s -> s.jobs().forEach(j -> jobs.putIfAbsent(j.id(), j.name())));
        jobs.forEach((id, name) -> add(chart, "checkpoint " + name + " (right)", samples,
                s -> checkpointBytes(s, id) != null, s -> checkpointBytes(s, id) / MB, 1));
        chart.setYAxisGroupTitle(1, "checkpoint MB");
        return chart;
    }

    private static XYChart panel(String title, String yTitle) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(PANEL_HEIGHT)
                        .title(title)
                        .xAxisTitle("minutes")
                        .yAxisTitle(yTitle)
                        .build();
        chart.getStyler().setXAxisDecimalPattern("0.#");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.getStyler().setYAxisMin(0, 0.0);
        chart.getStyler().setYAxisMin(1, 0.0);
        return chart;
    }

    private static Long checkpointBytes(SoakSample sample, String jobId) {
        return sample.jobs().stream()
                .filter(j -> j.id().equals(jobId))
                .map(FlinkJobsProbe.Job::checkpointBytes)
                .findFirst()
                .orElse(null);
    }

    /** One series of the samples that have a value; none when no sample has one. */
    private static void add(
            XYChart chart, String name, List<SoakSample> samples, Predicate<SoakSample> has,
            ToDoubleFunction<SoakSample> value, int yAxisGroup) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (SoakSample s : samples) {
            if (has.test(s)) {
                x.add(s.elapsedSeconds() / 60);
                y.add(value.applyAsDouble(s));
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setYAxisGroup(yAxisGroup);
    }
}
