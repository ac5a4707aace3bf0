package io.inferflow.cli.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.schemas.Topics;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * Local mode scraped by a real Prometheus server (Debian's {@code prometheus}, installed by
 * {@code interop/install-prometheus.sh}) on loopback: a known number of good, wrong-width and
 * undecodable events go in, and Prometheus's query API must report counters that agree with
 * them, per model and version, and batch-size and latency quantiles for {@code demo} v1.
 */
class PrometheusScrapeITCase {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final String PREFIX = "flink_taskmanager_job_task_operator_";
    private static final String DEMO_V1 = "model=\"demo\",version=\"1\"";

    private static final int GOOD = 600;
    private static final int WRONG_WIDTH = 7;
    private static final int UNDECODABLE = 3;
    private static final int WIDTH = 16;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Process prometheus;

    @AfterAll
    static void stopPrometheus() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void prometheusSeesCountersAndQuantilesThatAgreeWithTheEventsSent(@TempDir Path dir)
            throws Exception {
        assertTrue(
                Files.isExecutable(PROMETHEUS),
                PROMETHEUS + " is missing: run interop/install-prometheus.sh (Debian's"
                        + " prometheus package) first; .ci/run does");
        LocalSettings settings = settings(dir);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (LocalMode local =
                new LocalMode(settings, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            local.start();
            int promPort = EmbeddedKafka.freePort();
            prometheus = startPrometheus(dir, promPort, settings.metricsPort());

            List<float[]> rows = produce(settings);
            CommonTestUtils.waitUtil(
                    () -> local.predictions() >= GOOD,
                    Duration.ofSeconds(90),
                    Duration.ofMillis(200),
                    "fewer than " + GOOD + " predictions read back:\n" + console);

            // All scored; Prometheus must now reach exactly these counts.
            awaitValue(promPort, "sum(" + PREFIX + "model_version_predictionsOut{" + DEMO_V1
                    + "})", GOOD, dir);
            awaitValue(promPort, "sum(" + PREFIX + "model_version_eventsIn{" + DEMO_V1 + "})",
                    GOOD + WRONG_WIDTH, dir);
            awaitValue(promPort, "sum(" + PREFIX + "model_version_error_type_deadLetters{"
                    + DEMO_V1 + ",error_type=\"" + ErrorTypes.WRONG_WIDTH + "\"})",
                    WRONG_WIDTH, dir);
            awaitValue(promPort, "sum(" + PREFIX + "model_version_deadLetters{" + DEMO_V1 + "})",
                    WRONG_WIDTH, dir);
            awaitValue(promPort, "sum(" + PREFIX + "inference_predictionsOut)", GOOD, dir);
            awaitValue(promPort, "sum(" + PREFIX + "inference_eventsIn)", GOOD + WRONG_WIDTH, dir);
            awaitValue(promPort, "sum(" + PREFIX + "decode_deadLetters)", UNDECODABLE, dir);
            double batches =
                    single(query(promPort, "sum(" + PREFIX + "model_version_batches{" + DEMO_V1
                            + "})"));
            awaitValue(promPort, "sum(" + PREFIX + "model_version_batchSize_count{" + DEMO_V1
                    + "})", batches, dir);

            assertQuantiles(promPort, "batchSize", 1, true);
            assertQuantiles(promPort, "inferenceMicros", 0, true);
            assertQuantiles(promPort, "eventTimeLatencyMillis", 0, true);
            assertQuantiles(promPort, "recordTimeLatencyMillis", 0, true);
            assertQuantiles(promPort, "queueWaitMillis", 0, false);
            // Meters are recomputed every few seconds over the last minute.
            awaitPositive(promPort, "min(" + PREFIX + "model_version_eventsInPerSecond{" + DEMO_V1
                    + "})", dir);
            awaitPositive(promPort, "min(" + PREFIX + "model_version_predictionsPerSecond{"
                    + DEMO_V1 + "})", dir);

            // Drift of the demo model against the profile local mode pushed with it (both
            // standard normal): windows closed, no feature flagged major.
            awaitPositive(promPort, "sum(" + PREFIX + "model_version_drift_windows{" + DEMO_V1
                    + "})", dir);
            await(promPort, "max(" + PREFIX + "model_version_drift_maxPsi{" + DEMO_V1 + "})",
                    v -> v >= 0 && v < 0.25, "in [0, 0.25)", dir);
            await(promPort, "count(" + PREFIX + "model_version_drift_feature_psi{" + DEMO_V1
                    + "})", v -> v == WIDTH, "== " + WIDTH + " features", dir);

            // Online accuracy: every label met its prediction; the right ones are those where
            // ONNX Runtime, run here on the demo model, puts the score on the label's side of 0.5.
            awaitValue(promPort, "sum(" + PREFIX + "model_version_labels_labeled{" + DEMO_V1
                    + "})", GOOD, dir);
            awaitValue(promPort, "sum(" + PREFIX + "model_version_labels_correct{" + DEMO_V1
                    + "})", expectedCorrect(dir, rows), dir);
            await(promPort, "max(" + PREFIX + "model_version_labels_logLoss{" + DEMO_V1 + "})",
                    v -> v > 0, "> 0", dir);

            // The Grafana dashboard's queries, against the same Prometheus.
            assertDashboardQueriesReturnSeries(promPort, dir);
        }
    }

    /**
     * Every panel target of {@code deploy/grafana/inferflow-dashboard.json}, with {@code $model}
     * = demo and {@code $version} = 1, is valid PromQL (status "success") and returns at least
     * one series; the {@code model} and {@code version} variables' {@code label_values} offer
     * demo and 1.
     */
    private static void assertDashboardQueriesReturnSeries(int port, Path dir) throws Exception {
        GrafanaDashboard dashboard =
                GrafanaDashboard.read(
                        GrafanaDashboard.FILE,
                        Map.of(
                                "model", LocalMode.DEMO_MODEL,
                                "version", "1",
                                "__rate_interval", "30s",
                                "__interval", "5s"));
        assertEquals(39, dashboard.root().path("schemaVersion").asInt(), "schemaVersion");
        List<GrafanaDashboard.Target> targets = dashboard.targets();
        assertTrue(targets.size() >= 20, "dashboard targets: " + targets);
        for (GrafanaDashboard.Target target : targets) {
            awaitSeries(port, target.expr(), target.toString(), dir);
        }
        Map<String, String> expected = Map.of("model", LocalMode.DEMO_MODEL, "version", "1");
        List<GrafanaDashboard.Variable> variables = dashboard.labelValuesVariables();
        assertEquals(
                expected.keySet(),
                new HashSet<>(variables.stream().map(GrafanaDashboard.Variable::name).toList()),
                "label_values variables");
        for (GrafanaDashboard.Variable variable : variables) {
            List<String> offered = new ArrayList<>();
            for (JsonNode s : awaitSeries(port, variable.expr(), "variable " + variable, dir)) {
                offered.add(s.get("metric").path(variable.label()).asText());
            }
            assertTrue(
                    offered.contains(expected.get(variable.name())),
                    "variable " + variable.name() + " offers " + offered);
        }
    }

    /**
     * Polls (bounded) until the query succeeds with at least one series; a query Prometheus
     * rejects fails at once.
     */
    private static List<JsonNode> awaitSeries(int port, String promql, String what, Path dir)
            throws Exception {
        List<JsonNode> last = new ArrayList<>();
        try {
            CommonTestUtils.waitUtil(
                    () -> {
                        try {
                            JsonNode response = queryResponse(port, promql);
                            last.clear();
                            response.get("data").get("result").forEach(last::add);
                            return !last.isEmpty();
                        } catch (IOException e) {
                            return false;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    },
                    Duration.ofSeconds(30),
                    Duration.ofMillis(250),
                    what + " returned no series");
        } catch (Exception e) {
            throw new AssertionError(
                    what + ": no series\nprometheus log:\n" + tail(dir.resolve("prometheus.log")),
                    e);
        }
        return last;
    }

    /** Rows whose demo score (ONNX Runtime, here) is on the side of 0.5 their label is on. */
    private static int expectedCorrect(Path dir, List<float[]> rows) throws Exception {
        byte[] demo = Files.readAllBytes(dir.resolve("models").resolve("demo.onnx"));
        FloatBuffer input =
                ByteBuffer.allocateDirect(rows.size() * WIDTH * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        rows.forEach(input::put);
        input.flip();
        float[] scores;
        try (OnnxModel model = OnnxModel.load("demo", demo, RuntimeSettings.defaults())) {
            scores = model.score(input, rows.size());
        }
        int correct = 0;
        for (int i = 0; i < rows.size(); i++) {
            boolean label = rows.get(i)[0] > 0;
            correct += (scores[i] >= 0.5) == label ? 1 : 0;
        }
        return correct;
    }

    private static LocalSettings settings(Path dir) throws IOException {
        return new LocalSettings(
                Duration.ZERO,
                0,
                List.of(),
                2,
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                dir,
                dir.resolve("pipeline.log"),
                // Drift windows of 200 events: the 600 good events close at least two.
                Map.of(DriftOptions.WINDOW_EVENTS.key(), "200"));
    }

    /** Good events for demo, events of the wrong width, and bytes that are not Avro. */
    /**
     * Good events for demo (each labelled: class 1 when its first feature is positive), events
     * of the wrong width, and bytes that are not Avro; returns the good rows.
     */
    private static List<float[]> produce(LocalSettings settings) throws IOException {
        List<float[]> rows = new ArrayList<>();
        Random random = new Random(11);
        try (FeatureProducer producer =
                new FeatureProducer(
                        "127.0.0.1:" + settings.kafkaPort(),
                        "http://127.0.0.1:" + settings.registryPort(),
                        Topics.FEATURES)) {
            producer.labelsTo(Topics.LABELS);
            for (int i = 0; i < GOOD + WRONG_WIDTH; i++) {
                int width = i < GOOD ? WIDTH : 3;
                List<Float> features = new ArrayList<>(width);
                for (int f = 0; f < width; f++) {
                    features.add((float) random.nextGaussian());
                }
                producer.send(
                        FeatureProducer.event(
                                "e-" + i, "entity-" + (i % 97), LocalMode.DEMO_MODEL,
                                System.currentTimeMillis(), features));
                if (i < GOOD) {
                    float[] row = new float[width];
                    for (int f = 0; f < width; f++) {
                        row[f] = features.get(f);
                    }
                    rows.add(row);
                    producer.sendLabel("e-" + i, row[0] > 0 ? 1.0 : 0.0);
                }
            }
            for (int i = 0; i < UNDECODABLE; i++) {
                producer.sendRaw(
                        ("bad-" + i).getBytes(StandardCharsets.UTF_8),
                        "not avro".getBytes(StandardCharsets.UTF_8));
            }
            producer.flush();
            assertEquals(0, producer.failed(), "produce failed: " + producer.lastError());
            return rows;
        }
    }

    private static Process startPrometheus(Path dir, int port, int metricsPort)
            throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "global:",
                        "  scrape_interval: 1s",
                        "  scrape_timeout: 1s",
                        "scrape_configs:",
                        "  - job_name: inferflow-local",
                        "    static_configs:",
                        "      - targets: ['127.0.0.1:" + metricsPort + "']",
                        ""));
        return new ProcessBuilder(
                        PROMETHEUS.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    /**
     * Each subtask's summary for demo v1 has a p50 and p99 with {@code min <= p50 <= p99} (and
     * p50 > 0 when {@code positive}).
     */
    private static void assertQuantiles(int port, String histogram, double min, boolean positive)
            throws Exception {
        String name = PREFIX + "model_version_" + histogram;
        Map<String, Double> p50 =
                bySubtask(query(port, name + "{" + DEMO_V1 + ",quantile=\"0.5\"}"));
        Map<String, Double> p99 =
                bySubtask(query(port, name + "{" + DEMO_V1 + ",quantile=\"0.99\"}"));
        assertEquals(2, p50.size(), name + " p50 per subtask: " + p50);
        assertEquals(p50.keySet(), p99.keySet(), name);
        for (String subtask : p50.keySet()) {
            double median = p50.get(subtask);
            String what = name + " subtask " + subtask + ": p50 " + median + ", p99 "
                    + p99.get(subtask);
            assertTrue(median >= min && (!positive || median > 0), what);
            assertTrue(median <= p99.get(subtask), what);
        }
    }

    private static Map<String, Double> bySubtask(List<JsonNode> series) {
        Map<String, Double> out = new HashMap<>();
        for (JsonNode s : series) {
            out.put(s.get("metric").get("subtask_index").asText(), value(s));
        }
        return out;
    }

    /** Polls (bounded) until the query's single value equals {@code expected}. */
    private static void awaitValue(int port, String promql, double expected, Path dir)
            throws Exception {
        await(port, promql, v -> v == expected, "== " + expected, dir);
    }

    /** Polls (bounded) until the query's single value is above 0. */
    private static void awaitPositive(int port, String promql, Path dir) throws Exception {
        await(port, promql, v -> v > 0, "> 0", dir);
    }

    private static void await(
            int port, String promql, DoublePredicate condition, String expected, Path dir)
            throws Exception {
        List<Double> last = new ArrayList<>();
        try {
            CommonTestUtils.waitUtil(
                    () -> {
                        try {
                            List<JsonNode> result = query(port, promql);
                            last.clear();
                            result.forEach(s -> last.add(value(s)));
                            return last.size() == 1 && condition.test(last.get(0));
                        } catch (IOException e) {
                            return false;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    },
                    Duration.ofSeconds(60),
                    Duration.ofMillis(250),
                    promql + " did not reach " + expected);
        } catch (Exception e) {
            throw new AssertionError(
                    promql + ": expected " + expected + ", last " + last + "\nprometheus log:\n"
                            + tail(dir.resolve("prometheus.log")),
                    e);
        }
    }

    private static double single(List<JsonNode> result) {
        assertEquals(1, result.size(), "expected one series: " + result);
        return value(result.get(0));
    }

    private static double value(JsonNode series) {
        return Double.parseDouble(series.get("value").get(1).asText());
    }

    /** An instant query against Prometheus's HTTP API; the result's series. */
    private static List<JsonNode> query(int port, String promql)
            throws IOException, InterruptedException {
        List<JsonNode> series = new ArrayList<>();
        queryResponse(port, promql).get("data").get("result").forEach(series::add);
        return series;
    }

    /**
     * An instant query's whole response, whose status must be "success"; a query Prometheus
     * rejects as bad (HTTP 400, 422) is an assertion failure, other failures an IOException.
     */
    private static JsonNode queryResponse(int port, String promql)
            throws IOException, InterruptedException {
        URI uri =
                URI.create(
                        "http://127.0.0.1:" + port + "/api/v1/query?query="
                                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 400 || response.statusCode() == 422) {
            throw new AssertionError(
                    promql + ": HTTP " + response.statusCode() + ": " + response.body());
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
        }
        JsonNode body = JSON.readTree(response.body());
        assertEquals("success", body.path("status").asText(), promql + ": " + response.body());
        return body;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
