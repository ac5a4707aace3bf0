package io.inferflow.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results of one {@code pipeline bench} run as a text table, with each row's events/s
 * relative to micro-batched on the same model, and the acceptance ratios:
 *
 * <ul>
 *   <li>micro-batched / per-record on the wide model, target at least {@value #BATCHING_GAIN}x:
 *       batching must pay off where inference dominates;
 *   <li>micro-batched / pass-through on the small model, target at least 70%: with a cheap model
 *       the job should run close to its own Kafka/Avro/Flink ceiling;
 *   <li>observed / bare on the small and the wide model, target at least 95%: metrics, drift
 *       detection and the Prometheus reporter cost at most 5% of throughput.
 * </ul>
 */
public final class ResultTable {

    /** Target of micro-batched / per-record events/s on {@link #WIDE}. */
    public static final double BATCHING_GAIN = 5.0;

    /** Target of observed / bare events/s: metrics and drift cost at most 5%. */
    public static final double OBSERVABILITY_SHARE = 0.95;

    /** Target of micro-batched / pass-through events/s on {@link #SMALL}. */
    public static final double CEILING_SHARE = 0.70;

    static final String SMALL = "small";
    static final String WIDE = "wide";

    private static final String[] HEADER = {
        "model", "config", "events/s", "vs micro-batched", "p50 ms", "p99 ms",
        "visible p50 ms", "visible p99 ms", "CPU s/M", "peak RSS MB", "model MB"
    };

    private final List<BenchResult> results;
    private final List<SwapResult> swaps;

    public ResultTable(List<BenchResult> results) {
        this(results, List.of());
    }

    public ResultTable(List<BenchResult> results, List<SwapResult> swaps) {
        this.results = List.copyOf(results);
        this.swaps = List.copyOf(swaps);
    }

    public List<SwapResult> swaps() {
        return swaps;
    }

    /** The hot-swap comparison: p50/p99 without and with swaps, one row per model. */
    public String formatSwaps() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "model", "swap every", "versions pushed", "events/s", "p50 ms", "p99 ms",
            "p50 ms with swaps", "p99 ms with swaps"
        });
        for (SwapResult s : swaps) {
            rows.add(new String[] {
                s.model(),
                String.format(Locale.ROOT, "%,d", s.swapEvery()),
                String.valueOf(s.pushed()),
                String.format(Locale.ROOT, "%,.0f", s.rate()),
                millis(s.without().p50Ms()),
                millis(s.without().p99Ms()),
                millis(s.with().p50Ms()),
                millis(s.with().p99Ms())
            });
        }
        return align(rows);
    }

    public List<BenchResult> results() {
        return results;
    }

    /** {@code numerator / denominator} events/s on {@code model}, if both were measured. */
    public Optional<Double> ratio(String model, BenchConfig numerator, BenchConfig denominator) {
        Optional<BenchResult> top = find(model, numerator);
        Optional<BenchResult> bottom = find(model, denominator);
        if (top.isEmpty() || bottom.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(top.get().eventsPerSecond() / bottom.get().eventsPerSecond());
    }

    /** The acceptance ratios, measured or not. */
    public List<Acceptance> acceptance() {
        return List.of(
                new Acceptance(
                        WIDE, BenchConfig.BATCHED, BenchConfig.PER_RECORD, BATCHING_GAIN, false,
                        ratio(WIDE, BenchConfig.BATCHED, BenchConfig.PER_RECORD).orElse(null)),
                new Acceptance(
                        SMALL, BenchConfig.BATCHED, BenchConfig.PASSTHROUGH, CEILING_SHARE, true,
                        ratio(SMALL, BenchConfig.BATCHED, BenchConfig.PASSTHROUGH).orElse(null)),
                new Acceptance(
                        SMALL, BenchConfig.OBSERVED, BenchConfig.BARE, OBSERVABILITY_SHARE, true,
                        ratio(SMALL, BenchConfig.OBSERVED, BenchConfig.BARE).orElse(null)),
                new Acceptance(
                        WIDE, BenchConfig.OBSERVED, BenchConfig.BARE, OBSERVABILITY_SHARE, true,
                        ratio(WIDE, BenchConfig.OBSERVED, BenchConfig.BARE).orElse(null)));
    }

    /** The table: one row per result, columns aligned, numbers right-aligned. */
    public String format() {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (BenchResult r : results) {
            rows.add(
                    new String[] {
                        r.model(),
                        r.config().label(),
                        String.format(Locale.ROOT, "%,.0f", r.eventsPerSecond()),
                        ratio(r.model(), r.config(), BenchConfig.BATCHED)
                                .map(v -> String.format(Locale.ROOT, "%.2fx", v))
                                .orElse("-"),
                        millis(r.latency() == null ? null : r.latency().p50Ms()),
                        millis(r.latency() == null ? null : r.latency().p99Ms()),
                        millis(r.visible() == null ? null : r.visible().p50Ms()),
                        millis(r.visible() == null ? null : r.visible().p99Ms()),
                        r.cpuSecondsPerMillion() < 0 ? "-"
                                : String.format(Locale.ROOT, "%.0f", r.cpuSecondsPerMillion()),
                        r.peakRssBytes() < 0 ? "-"
                                : String.format(Locale.ROOT, "%.0f", r.peakRssBytes() / 1048576.0),
                        r.modelNativeBytes() < 0 ? "-"
                                : String.format(Locale.ROOT, "%.1f",
                                        r.modelNativeBytes() / 1048576.0)
                    });
        }
        return align(rows);
    }

    /** The acceptance lines, one per ratio. */
    public String formatAcceptance() {
        StringBuilder out = new StringBuilder();
        for (Acceptance a : acceptance()) {
            out.append(a.description()).append(": ").append(a.verdict()).append('\n');
        }
        return out.toString();
    }

    private Optional<BenchResult> find(String model, BenchConfig config) {
        return results.stream()
                .filter(r -> r.model().equals(model) && r.config() == config)
                .findFirst();
    }

    static String millis(Double ms) {
        if (ms == null) {
            return "-";
        }
        // Job latencies come from millisecond timestamps: show them without false decimals.
        boolean whole = ms >= 10 || ms == Math.rint(ms);
        return String.format(Locale.ROOT, whole ? "%.0f" : "%.2f", ms);
    }

    private static String align(List<String[]> rows) {
        int[] widths = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean text = i < 2;
                String pad = " ".repeat(widths[i] - row[i].length());
                line.append(text ? row[i] + pad : pad + row[i]);
                line.append(i < row.length - 1 ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
