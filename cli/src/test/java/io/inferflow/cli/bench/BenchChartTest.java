package io.inferflow.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchChartTest {

    @TempDir Path dir;

    @Test
    void drawsCompressionAsTwoStackedCharts() throws Exception {
        Path file = dir.resolve("compression.png");
        BenchChart.writeCompression(file, List.of(
                new Benchmark.CompressionResult("none", 1000, 90_000, 3.1, 140_000, 140.0),
                new Benchmark.CompressionResult("gzip", 1000, 80_000, 3.4, 60_000, 60.0),
                // the second pass of a list given twice
                new Benchmark.CompressionResult("none", 1000, 95_000, 3.0, 140_000, 140.0)),
                "Sink compression");
        BufferedImage image = read(file);
        assertEquals(1000, image.getWidth());
        assertEquals(2 * 420, image.getHeight());
        assertTrue(colours(image) > 3, "a chart, not a blank image");
    }

    @Test
    void drawsTransactionIdsOnALogAxisEvenWhenTheBrokerHasNone() throws Exception {
        Path file = dir.resolve("ids.png");
        // 0 ids cannot be drawn on a log axis as it is; XChart refuses values <= 0.
        BenchChart.writeTransactionIds(file, List.of(
                new JobBench.TransactionIds("POOLING", 0, 0, 0),
                new JobBench.TransactionIds("INCREMENTING", 0, 0, 0),
                new JobBench.TransactionIds("POOLING", 0.5, 10, 60_000),
                new JobBench.TransactionIds("INCREMENTING", 0.5, 2_400, 60_000)),
                "Transactional ids");
        BufferedImage image = read(file);
        assertEquals(1000, image.getWidth());
        assertTrue(colours(image) > 3, "a chart, not a blank image");
    }

    private static BufferedImage read(Path file) throws Exception {
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, "not a readable PNG: " + file);
        return image;
    }

    private static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 7) {
            for (int y = 0; y < image.getHeight(); y += 7) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
