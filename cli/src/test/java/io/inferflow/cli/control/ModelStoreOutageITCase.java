package io.inferflow.cli.control;

import com.sun.net.httpserver.HttpServer;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model store (an HTTP server) unreachable while a version is pushed: every subtask tries
 * the fetch {@code model.fetch-attempts} times, then REJECTs the version (FETCH_FAILED, naming
 * the attempts) while the serving version keeps scoring every event; once the store is back, the
 * next push serves.
 */
class ModelStoreOutageITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir Path files;

    private HttpServer server;

    @Test
    void aPushWhileTheStoreIsDownIsRejectedAfterBoundedRetriesAndTheOldVersionServes(
            @TempDir Path store) throws Exception {
        int port = startStore(0);
        String root = "http://127.0.0.1:" + port + "/store/";
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        Configuration conf = kit.conf();
        conf.set(JobOptions.ALLOWED_URI_ROOTS, List.of(root));
        conf.set(JobOptions.MODEL_FETCH_ATTEMPTS, 3);
        conf.set(JobOptions.MODEL_FETCH_BACKOFF, Duration.ofMillis(300));
        Mlp v1 = Mlp.random(51, ControlTestKit.WIDTH, 16, 1);
        Mlp v2 = Mlp.random(52, ControlTestKit.WIDTH, 16, 1);
        Mlp v3 = Mlp.random(53, ControlTestKit.WIDTH, 16, 1);

        JobClient job = ControlTestKit.startInferenceJob(conf, PARALLELISM, "store-outage");
        try (ModelControlClient control = kit.client();
                TrackedProducer events = new TrackedProducer(STACK.kafka().bootstrapServers(),
                        kit.registryUrl, kit.features, "fraud", ControlTestKit.WIDTH)) {
            assertAll(control.send(deploy(kit, root, 1, v1), Duration.ofSeconds(60), s -> {}),
                    ModelState.ACTIVE, null);

            server.stop(0);
            long pushed = System.nanoTime();
            Map<Integer, ModelStatus> rejected =
                    control.send(deploy(kit, root, 2, v2), Duration.ofSeconds(60), s -> {});
            assertAll(rejected, ModelState.REJECTED, "FETCH_FAILED: model 'fraud' v2: cannot"
                    + " connect to " + root + "fraud-2.onnx");
            rejected.values().forEach(s -> assertTrue(
                    s.getReason().contains("gave up after 3 attempts over "), s.getReason()));
            System.out.printf("store down: v2 REJECTED on every subtask %.1f s after the push%n",
                    (System.nanoTime() - pushed) / 1e9);

            Map<String, Mlp> expected = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                events.send("down-" + i);
                expected.put("down-" + i, v1);
            }
            events.flush();
            assertScored(kit, events, expected, 1);

            startStore(port);
            assertAll(control.send(deploy(kit, root, 3, v3), Duration.ofSeconds(60), s -> {}),
                    ModelState.ACTIVE, null);
            for (int i = 0; i < 300; i++) {
                events.send("back-" + i);
                expected.put("back-" + i, v3);
            }
            events.flush();
            assertScored(kit, events, expected, 3);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
            server.stop(0);
        }
    }

    /** Serves {@code files} under /store/ on {@code port} (0: any); returns the port. */
    private int startStore(int port) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/store/", exchange -> {
            Path file = files.resolve(exchange.getRequestURI().getPath()
                    .substring("/store/".length()));
            try (OutputStream out = exchange.getResponseBody()) {
                if (!Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    byte[] body = Files.readAllBytes(file);
                    exchange.sendResponseHeaders(200, body.length);
                    out.write(body);
                }
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    private ModelControl deploy(ControlTestKit kit, String root, long version, Mlp mlp)
            throws Exception {
        byte[] bytes = mlp.toOnnx("features");
        Files.write(files.resolve("fraud-" + version + ".onnx"), bytes);
        return ControlRecords.deploy("fraud", version, version, root + "fraud-" + version
                        + ".onnx", Hashes.sha256Hex(bytes), "features", ControlTestKit.WIDTH,
                ModelPrecision.FP32, kit.key, "test");
    }

    private static void assertAll(Map<Integer, ModelStatus> finals, ModelState state,
            String reasonStart) {
        assertEquals(PARALLELISM, finals.size(), finals.toString());
        for (ModelStatus s : finals.values()) {
            assertEquals(state, s.getState(), s.toString());
            if (reasonStart != null) {
                assertTrue(s.getReason().startsWith(reasonStart), s.getReason());
            }
        }
    }

    /** Every event sent so far scored once, the latest ones by {@code version}. */
    private static void assertScored(ControlTestKit kit, TrackedProducer events,
            Map<String, Mlp> expected, long version) throws Exception {
        Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                kit.registryUrl, kit.predictions, expected.size());
        assertEquals(expected.keySet(), scored.keySet());
        for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
            Mlp mlp = expected.get(e.getKey());
            assertEquals(mlp.forward(events.sent().get(e.getKey()).row())[0],
                    firstScore(e.getValue()), 1e-5, e.getKey());
            if (version == 1 || e.getKey().startsWith("back-")) {
                assertEquals(version, e.getValue().get("model_version"), e.getKey());
            }
        }
    }
}
