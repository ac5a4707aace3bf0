package io.inferflow.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultTableTest {

    private static final LatencySummary FAST = new LatencySummary(10, 1.5, 4.25, 5);
    private static final LatencySummary SLOW = new LatencySummary(10, 480, 910, 990);

    private static BenchResult job(String model, BenchConfig config, double eventsPerSecond) {
        return new BenchResult(model, config, 1000, eventsPerSecond, FAST, SLOW, 500, 81.2,
                512L * 1024 * 1024, 2_600_000);
    }

    private static BenchResult raw(String model, double eventsPerSecond) {
        return new BenchResult(model, BenchConfig.RAW, 1000, eventsPerSecond, FAST, null, 0);
    }

    @Test
    void computesRatiosBetweenConfigurationsOfOneModel() {
        ResultTable table =
                new ResultTable(
                        List.of(
                                job("wide", BenchConfig.PER_RECORD, 1000),
                                job("wide", BenchConfig.BATCHED, 6000),
                                job("small", BenchConfig.BATCHED, 6000)));
        assertEquals(6.0, table.ratio("wide", BenchConfig.BATCHED, BenchConfig.PER_RECORD).get());
        assertTrue(table.ratio("small", BenchConfig.BATCHED, BenchConfig.PER_RECORD).isEmpty());
    }

    @Test
    void judgesBothAcceptanceRatios() {
        ResultTable table =
                new ResultTable(
                        List.of(
                                job("wide", BenchConfig.PER_RECORD, 1000),
                                job("wide", BenchConfig.BATCHED, 5000),
                                job("small", BenchConfig.PASSTHROUGH, 10_000),
                                job("small", BenchConfig.BATCHED, 6900)));
        List<Acceptance> acceptance = table.acceptance();
        Acceptance gain = acceptance.get(0);
        assertEquals("micro-batched / per-record events/s on 'wide'", gain.description());
        assertTrue(gain.met(), "exactly the target is met");
        assertEquals("5.00x (target >= 5.00x): met", gain.verdict());

        Acceptance share = acceptance.get(1);
        assertEquals("micro-batched / pass-through events/s on 'small'", share.description());
        assertFalse(share.met());
        assertEquals("69% (target >= 70%): MISSED", share.verdict());
    }

    @Test
    void saysWhichRatioWasNotMeasured() {
        ResultTable table = new ResultTable(List.of(job("wide", BenchConfig.BATCHED, 5000)));
        Acceptance gain = table.acceptance().get(0);
        assertNull(gain.ratio());
        assertFalse(gain.met());
        assertTrue(
                gain.verdict().startsWith("not measured (target >= 5.00x; needs model 'wide'"
                        + " with batched and per-record)"),
                gain.verdict());
        assertTrue(table.formatAcceptance().contains("on 'small': not measured"),
                table.formatAcceptance());
    }

    @Test
    void formatsAlignedRowsRelativeToMicroBatched() {
        ResultTable table =
                new ResultTable(
                        List.of(
                                raw("small", 250_000),
                                job("small", BenchConfig.PER_RECORD, 12_345.4),
                                job("small", BenchConfig.BATCHED, 50_000)));
        List<String> lines = table.format().lines().toList();
        assertEquals(4, lines.size());
        assertEquals(
                "model  config            events/s  vs micro-batched  p50 ms  p99 ms"
                        + "  visible p50 ms  visible p99 ms  CPU s/M  peak RSS MB  model MB",
                lines.get(0));
        assertEquals(
                "small  raw ONNX Runtime   250,000             5.00x    1.50    4.25"
                        + "               -               -        -            -         -",
                lines.get(1));
        assertEquals(
                "small  per-record          12,345             0.25x    1.50    4.25"
                        + "             480             910       81          512       2.5",
                lines.get(2));
        assertEquals(
                "small  micro-batched       50,000             1.00x    1.50    4.25"
                        + "             480             910       81          512       2.5",
                lines.get(3));
    }

    @Test
    void showsNoRatioWithoutMicroBatched() {
        ResultTable table = new ResultTable(List.of(raw("small", 1000)));
        assertTrue(table.format().lines().skip(1).findFirst().orElseThrow().contains("  -  "));
    }
}
