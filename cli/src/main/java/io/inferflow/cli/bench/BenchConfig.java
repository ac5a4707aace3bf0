package io.inferflow.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The configurations {@code pipeline bench} can measure for each model, in run order: the first
 * four by default ({@link #defaults()}), {@link #BARE} and {@link #OBSERVED} (the cost of
 * metrics and drift detection) on request.
 */
public enum BenchConfig {

    /** P threads scoring batches of B rows through ONNX Runtime: no Flink, no Kafka. */
    RAW("raw", "raw ONNX Runtime"),
    /** The whole job with {@code inference.engine=IDENTITY}: Kafka, Avro and Flink only. */
    PASSTHROUGH("passthrough", "pass-through"),
    /** The whole job scoring every event alone ({@code inference.batch.max-size=1}). */
    PER_RECORD("per-record", "per-record"),
    /** The whole job scoring micro-batches of up to B events. */
    BATCHED("batched", "micro-batched"),
    /**
     * Micro-batched with drift detection off and no per-version histograms
     * ({@code inference.metrics.histograms=false}), no metrics reporter: the job with the least
     * observability.
     */
    BARE("bare", "micro-batched, no drift/histograms"),
    /**
     * Micro-batched with a reference profile (drift windows of the default 10,000 events), the
     * per-version histograms and the Prometheus reporter: the job with all of its observability.
     */
    OBSERVED("observed", "micro-batched + drift + Prometheus"),
    /**
     * Micro-batched with a canary rollout: a second version of the model (the same file as
     * version 2) scores {@code --canary} percent of the entities.
     */
    CANARY("canary", "micro-batched + canary"),
    /** Micro-batched with a shadow rollout: a second version scores every event too. */
    SHADOW("shadow", "micro-batched + shadow");

    private final String key;
    private final String label;

    BenchConfig(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The name used by {@code --only} and in the JSON output. */
    public String key() {
        return key;
    }

    /** The name printed in the table. */
    public String label() {
        return label;
    }

    /** Whether this configuration rolls out a candidate beside the stable version. */
    public boolean rollout() {
        return this == CANARY || this == SHADOW;
    }

    /** Whether this configuration runs the Flink job (all but {@link #RAW}). */
    public boolean runsJob() {
        return this != RAW;
    }

    /** What {@code pipeline bench} runs without {@code --only}. */
    public static Set<BenchConfig> defaults() {
        return EnumSet.of(RAW, PASSTHROUGH, PER_RECORD, BATCHED);
    }

    /** Parses a {@code --only} list such as {@code raw,batched}; fails naming an unknown key. */
    public static Set<BenchConfig> parseList(List<String> keys) {
        Set<BenchConfig> out = EnumSet.noneOf(BenchConfig.class);
        for (String part : keys) {
            for (String key : part.split(",")) {
                String k = key.trim();
                if (!k.isEmpty()) {
                    out.add(parse(k));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--only names no configuration, got " + keys);
        }
        return out;
    }

    static BenchConfig parse(String key) {
        for (BenchConfig c : values()) {
            if (c.key.equalsIgnoreCase(key)) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "unknown configuration '" + key + "', expected one of " + keys());
    }

    private static String keys() {
        return Arrays.stream(values()).map(BenchConfig::key).collect(Collectors.joining(", "));
    }

    static List<BenchConfig> inOrder(Set<BenchConfig> selected) {
        return new ArrayList<>(EnumSet.copyOf(selected));
    }
}
