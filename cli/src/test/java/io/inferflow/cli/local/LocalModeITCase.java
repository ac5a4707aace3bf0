package io.inferflow.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local mode as a user meets it: everything starts, the demo producer's events come back as
 * predictions, a third-party client (Debian's python3-confluent-kafka + python3-avro, see
 * interop/) decodes them through the local registry, and the Prometheus endpoint serves the
 * inference metrics.
 */
class LocalModeITCase {

    private static final Path INTEROP_SCRIPT = Path.of("..", "interop", "read-predictions.py");

    @Test
    void servesPredictionsThatAThirdPartyClientDecodes(@TempDir Path dir) throws Exception {
        int metricsPort = EmbeddedKafka.freePort();
        LocalSettings settings =
                new LocalSettings(
                        Duration.ZERO,
                        200,
                        List.of(),
                        2,
                        EmbeddedKafka.freePort(),
                        EmbeddedKafka.freePort(),
                        EmbeddedKafka.freePort(),
                        metricsPort,
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        dir,
                        dir.resolve("pipeline.log"),
                        Map.of());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (LocalMode local =
                new LocalMode(settings, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            local.start();
            CommonTestUtils.waitUtil(
                    () -> local.predictions() >= 100,
                    Duration.ofSeconds(90),
                    Duration.ofMillis(200),
                    "fewer than 100 predictions read back:\n" + console);
            assertEquals(0, local.deadLetters(), console.toString());
            CommonTestUtils.waitUtil(
                    () -> console.toString().contains("models: demo ACTIVE v1 on 2/2"),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(200),
                    "no status line shows demo v1 active:\n" + console);

            List<JsonNode> decoded = readWithThirdPartyClient(settings, 20);
            for (JsonNode prediction : decoded) {
                assertEquals("demo", prediction.get("model").asText());
                assertEquals(1, prediction.get("scores").size());
                double score = prediction.get("scores").get(0).asDouble();
                assertTrue(score > 0 && score < 1, "sigmoid output " + score);
            }

            String metrics = scrape(metricsPort);
            assertTrue(metrics.contains("inference_predictionsOut"), "metrics:\n" + metrics);
            assertTrue(
                    metrics.lines().anyMatch(l -> l.contains("model_activeVersion")
                            && l.contains("model=\"demo\"") && l.endsWith(" 1.0")),
                    "active version gauge of demo:\n" + metrics);
        }
    }

    private static List<JsonNode> readWithThirdPartyClient(LocalSettings settings, int count)
            throws Exception {
        assertTrue(Files.isRegularFile(INTEROP_SCRIPT), INTEROP_SCRIPT.toAbsolutePath() + " missing");
        Process process =
                new ProcessBuilder(
                                "/usr/bin/python3",
                                INTEROP_SCRIPT.toString(),
                                "--bootstrap", "127.0.0.1:" + settings.kafkaPort(),
                                "--registry", "http://127.0.0.1:" + settings.registryPort(),
                                "--count", String.valueOf(count),
                                "--timeout", "60")
                        .redirectErrorStream(false)
                        .start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "interop client did not finish");
        assertEquals(0, process.exitValue(),
                "interop client failed (run interop/install.sh?):\n" + stderr + stdout);
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (!line.isBlank()) {
                out.add(mapper.readTree(line));
            }
        }
        assertTrue(out.size() >= count, "decoded " + out.size() + ":\n" + stdout);
        return out;
    }

    private static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        String[] body = {""};
        CommonTestUtils.waitUtil(
                () -> {
                    try {
                        body[0] = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
                    } catch (Exception e) {
                        return false;
                    }
                    return body[0].contains("inference_predictionsOut");
                },
                Duration.ofSeconds(30),
                Duration.ofMillis(500),
                "no inference metrics at :" + port);
        return body[0];
    }
}
