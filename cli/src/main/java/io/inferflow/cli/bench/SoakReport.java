package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The JSON form of a soak run ({@code soak.json}): command, machine, settings, the rules, every
 * sample and the verdict.
 */
public final class SoakReport {

    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SoakReport() {}

    /** Writes the report to {@code file}; {@code failures} empty means the run passed. */
    public static void write(
            Path file, SoakSettings settings, Instant date, List<SoakSample> samples,
            List<String> failures) throws IOException {
        write(file, settings, date, samples, failures, null);
    }

    /** {@link #write} with {@code lifetime} (events lost and repeated, pushes) beside. */
    public static void write(
            Path file, SoakSettings settings, Instant date, List<SoakSample> samples,
            List<String> failures, ObjectNode lifetime) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("command", settings.command());
        root.put("date", date.toString());
        root.set("machine", BenchReport.machine());
        SoakThresholds t = settings.thresholds();
        ObjectNode s = root.putObject("settings");
        s.put("duration_s", settings.duration().toSeconds());
        s.put("rate", settings.rate());
        s.put("sample_every_s", settings.sampleEvery().toSeconds());
        s.put("warmup_s", t.warmup().toSeconds());
        s.put("warmup_samples", t.warmupSamples());
        s.put("state_margin", t.stateMargin());
        s.put("rss_margin", t.rssMargin());
        s.put("min_served_share", t.minServedShare());
        ArrayNode rules = root.putArray("rules");
        t.describe().forEach(rules::add);
        ArrayNode rows = root.putArray("samples");
        for (SoakSample sample : samples) {
            rows.add(sample(sample));
        }
        if (lifetime != null) {
            root.set("lifetime", lifetime);
        }
        root.put("passed", failures.isEmpty());
        ArrayNode reasons = root.putArray("failures");
        failures.forEach(reasons::add);
        Files.writeString(file, MAPPER.writeValueAsString(root) + "\n");
    }

    private static ObjectNode sample(SoakSample s) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("elapsed_s", Math.round(s.elapsedSeconds() * 10) / 10.0);
        node.put("events_per_second", Math.round(s.eventsPerSecond()));
        node.put("predictions_per_second", Math.round(s.predictionsPerSecond()));
        if (s.visible() == null) {
            node.putNull("visible_latency_ms");
        } else {
            ObjectNode visible = node.putObject("visible_latency_ms");
            visible.put("count", s.visible().count());
            visible.put("p50", s.visible().p50Ms());
            visible.put("p99", s.visible().p99Ms());
            visible.put("max", s.visible().maxMs());
        }
        node.put("heap_used_bytes", s.heapUsedBytes());
        node.put("rss_bytes", s.rssBytes());
        ArrayNode jobs = node.putArray("jobs");
        for (FlinkJobsProbe.Job j : s.jobs()) {
            ObjectNode job = jobs.addObject();
            job.put("id", j.id());
            job.put("name", j.name());
            job.put("state", j.state());
            job.put("checkpoint_state_bytes", j.checkpointBytes());
            job.put("checkpoint_duration_ms", j.checkpointMillis());
            job.put("failed_checkpoints", j.failedCheckpoints());
            job.put("restarts", j.restarts());
        }
        return node;
    }
}
