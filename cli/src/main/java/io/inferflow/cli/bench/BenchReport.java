package io.inferflow.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferflow.operators.inference.BatchingSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The JSON form of a run: the machine, the exact command, the settings, one entry per result
 * and the acceptance ratios. Written by {@code pipeline bench --json FILE}.
 */
public final class BenchReport {

    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchReport() {}

    /** Writes the report of {@code table}, a run of {@code settings} started at {@code date}. */
    public static void write(Path file, BenchSettings settings, ResultTable table, Instant date)
            throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, MAPPER.writeValueAsString(toJson(settings, table, date)) + "\n");
    }

    static ObjectNode toJson(BenchSettings settings, ResultTable table, Instant date) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("command", settings.command());
        root.put("date", date.toString());
        root.set("machine", machine());
        root.set("settings", settings(settings));
        ArrayNode results = root.putArray("results");
        for (BenchResult r : table.results()) {
            ObjectNode node = results.addObject();
            node.put("model", r.model());
            node.put("config", r.config().key());
            node.put("label", r.config().label());
            node.put("events", r.events());
            node.put("events_per_second", Math.round(r.eventsPerSecond()));
            table.ratio(r.model(), r.config(), BenchConfig.BATCHED)
                    .ifPresent(v -> node.put("vs_micro_batched", round(v)));
            node.put(
                    "latency_kind",
                    r.config() == BenchConfig.RAW
                            ? "one ONNX Runtime call on a batch"
                            : "scored_at - event_time");
            node.set("latency_ms", latency(r.latency()));
            if (r.visible() != null) {
                node.set("visible_latency_ms", latency(r.visible()));
                node.put("latency_rate", r.latencyRate());
            }
        }
        ArrayNode swaps = root.putArray("swaps");
        for (SwapResult r : table.swaps()) {
            ObjectNode node = swaps.addObject();
            node.put("model", r.model());
            node.put("swap_every", r.swapEvery());
            node.put("versions_pushed", r.pushed());
            node.put("latency_rate", r.rate());
            node.set("latency_ms_without_swaps", latency(r.without()));
            node.set("latency_ms_with_swaps", latency(r.with()));
        }
        ArrayNode acceptance = root.putArray("acceptance");
        for (Acceptance a : table.acceptance()) {
            ObjectNode node = acceptance.addObject();
            node.put("description", a.description());
            node.put("model", a.model());
            node.put("target", a.target());
            if (a.ratio() == null) {
                node.putNull("ratio");
            } else {
                node.put("ratio", round(a.ratio()));
            }
            node.put("met", a.met());
        }
        ArrayNode notes = root.putArray("notes");
        notes.add("events_per_second of the job configurations is events / (last scored_at -"
                + " first scored_at): it excludes job start-up and the final commit.");
        notes.add("latency_ms of the job configurations is processing latency: Kafka in, decode,"
                + " batch wait, inference; it excludes the transaction commit on checkpoint.");
        notes.add("visible_latency_ms is when a read_committed consumer got the prediction minus"
                + " event_time; it is dominated by the checkpoint interval.");
        notes.add("Broker, registry, producer, consumer and Flink share this JVM and its cores;"
                + " compare ratios, not absolute numbers, across machines.");
        return root;
    }

    static ObjectNode machine() {
        ObjectNode node = MAPPER.createObjectNode();
        Runtime rt = Runtime.getRuntime();
        node.put("cores", rt.availableProcessors());
        node.put("max_heap_mb", rt.maxMemory() / (1024 * 1024));
        node.put(
                "jvm",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                        + " (" + System.getProperty("java.vendor") + ")");
        node.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        return node;
    }

    private static ObjectNode settings(BenchSettings s) {
        ObjectNode node = MAPPER.createObjectNode();
        ArrayNode models = node.putArray("models");
        s.models().forEach(models::add);
        if (s.events() == null) {
            node.put("events", "per model: small " + BenchModel.SMALL_EVENTS + ", wide and files "
                    + BenchModel.WIDE_EVENTS);
        } else {
            node.put("events", s.events());
        }
        node.put("batch_size", s.batchSize());
        node.put("parallelism", s.parallelism());
        node.put("device", s.device().name().toLowerCase(java.util.Locale.ROOT));
        node.put("batch_max_delay_ms", BatchingSettings.DEFAULT_MAX_DELAY.toMillis());
        node.put("checkpoint_interval_ms", s.checkpointInterval().toMillis());
        if (s.latencyRate() == null) {
            node.put(
                    "latency_rate",
                    "auto: min(" + (long) BenchSettings.MAX_AUTO_RATE + ", "
                            + BenchSettings.AUTO_RATE_SHARE
                            + " x slowest job configuration of the model)");
        } else {
            node.put("latency_rate", s.latencyRate());
        }
        node.put("latency_seconds", s.latencySeconds());
        node.put("delivery_guarantee", "EXACTLY_ONCE");
        return node;
    }

    private static ObjectNode latency(LatencySummary l) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("count", l.count());
        node.put("p50", round(l.p50Ms()));
        node.put("p99", round(l.p99Ms()));
        node.put("max", round(l.maxMs()));
        return node;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
