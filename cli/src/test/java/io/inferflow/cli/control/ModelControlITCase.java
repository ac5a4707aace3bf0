package io.inferflow.cli.control;

import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.Pacer;
import io.inferflow.model.Mlp;
import io.inferflow.model.quantize.QuantizationResult;
import io.inferflow.model.quantize.QuantizeSettings;
import io.inferflow.model.quantize.Quantizer;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.inferflow.cli.TrackedProducer;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot swaps on a running job with real parts: embedded Kafka, the registry over HTTP, a
 * MiniCluster at parallelism 2, signed ONNX models loaded from a model store.
 */
class ModelControlITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    private final Mlp v1 = Mlp.random(101, ControlTestKit.WIDTH, 32, 1);
    private final Mlp v2 = Mlp.random(202, ControlTestKit.WIDTH, 32, 1);



    @Test
    void swapsAndRollsBackMidStreamWithoutLosingOrRepeatingEvents(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        int total = 50_000;
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = producer(kit)) {
            JobClient job = startJob(kit);
            ModelControl deployV1 = kit.deploy("fraud", 1, 1, v1);
            assertAllActive(control.send(deployV1, Duration.ofSeconds(60), s -> {}), 1);
            // A steady rate keeps the job's backlog small, so the swaps fall mid-stream.
            Pacer pacer = new Pacer(5_000);

            long v2ActiveAt = 0;
            long rollbackIssuedAt = 0;
            long v1BackAt = 0;
            for (int i = 0; i < total; i++) {
                pacer.awaitNext();
                producer.send("e-" + i);
                if (i % 500 == 499) {
                    producer.flush();
                }
                if (i == 15_000) {
                    ModelControl deployV2 = kit.deploy("fraud", 2, 2, v2);
                    assertAllActive(control.send(deployV2, Duration.ofSeconds(60), s -> {}), 2);
                    v2ActiveAt = System.currentTimeMillis();
                }
                if (i == 35_000) {
                    ModelControl rollback =
                            ControlRecords.reissue(deployV1, ModelAction.ROLLBACK, 3, "test");
                    rollbackIssuedAt = System.currentTimeMillis();
                    assertAllActive(control.send(rollback, Duration.ofSeconds(60), s -> {}), 1);
                    v1BackAt = System.currentTimeMillis();
                }
            }
            producer.flush();

            Map<String, Scored> scored = readPredictions(kit, total);
            job.cancel().get(30, TimeUnit.SECONDS);

            assertEquals(producer.sent().keySet(), scored.keySet());
            assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0,
                    Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
            assertVersionsNeverGoBackPerPartition(producer, scored);
            for (TrackedProducer.Sent sent : producer.sent().values()) {
                Scored s = scored.get(sent.id());
                if (sent.sentAt() > v2ActiveAt && s.scoredAt < rollbackIssuedAt) {
                    assertEquals(2, s.version, sent.id() + " sent after v2 was ACTIVE everywhere");
                }
                if (sent.sentAt() > v1BackAt) {
                    assertEquals(1, s.version, sent.id() + " sent after the rollback was ACTIVE");
                }
                Mlp expected = s.version == 2 ? v2 : v1;
                assertEquals(expected.forward(sent.row())[0], s.score, 1e-5, sent.id());
            }
        }
    }

    @Test
    void keepsServingTheNewVersionAfterTaskManagerLoss(
            @TempDir Path store, @InjectMiniCluster MiniCluster cluster) throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        int total = 20_000;
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = producer(kit)) {
            control.send(kit.deploy("fraud", 1, 1, v1), Duration.ZERO, s -> {});
            JobClient job = startJob(kit);
            assertAllActive(control.send(kit.deploy("fraud", 2, 2, v2), Duration.ofSeconds(60), s -> {}), 2);
            long v2ActiveAt = System.currentTimeMillis();
            for (int i = 0; i < total; i++) {
                producer.send("r-" + i);
                if (i % 500 == 499) {
                    producer.flush();
                }
                if (i == total / 2) {
                    cluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
                    cluster.startTaskManager();
                }
            }
            producer.flush();
            Map<String, Scored> scored = readPredictions(kit, total);
            job.cancel().get(30, TimeUnit.SECONDS);

            assertEquals(producer.sent().keySet(), scored.keySet());
            for (TrackedProducer.Sent sent : producer.sent().values()) {
                assertTrue(sent.sentAt() >= v2ActiveAt);
                assertEquals(2, scored.get(sent.id()).version, sent.id());
            }
        }
    }

    @Test
    void firstStartServesTheControlTopicsModelsBeforeTheFirstEvent(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        int total = 5_000;
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = producer(kit)) {
            control.send(kit.deploy("fraud", 1, 1, v1), Duration.ZERO, s -> {});
            control.send(kit.deploy("fraud", 2, 2, v2), Duration.ZERO, s -> {});
            for (int i = 0; i < total; i++) {
                producer.send("f-" + i);
            }
            producer.flush();

            // The backlog is there before the job starts: the job graph carries the desired
            // versions read from the control topic, so they load before the first event instead
            // of racing the control records.
            List<ModelControl> initial = ModelSetup.initialModels(kit.conf());
            assertEquals(1, initial.size(), initial.toString());
            assertEquals(2, initial.get(0).getVersion());
            assertEquals(2, initial.get(0).getGeneration());
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(kit.conf());
            env.setParallelism(PARALLELISM);
            InferencePipeline.build(env, KafkaPipelineIo.boundedAtStart(kit.conf()), kit.conf(), ModelSetup.resolve(kit.conf()));
            env.execute("first-start-" + kit.run);

            Map<String, Scored> scored = readPredictions(kit, total);
            assertEquals(producer.sent().keySet(), scored.keySet());
            scored.forEach((id, s) -> assertEquals(2, s.version, id));
            assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0,
                    Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
        }
    }

    @Test
    void swapsFp32ToInt8MidStreamWithinTheDeviationBound(@TempDir Path store) throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        int total = 10_000;
        Mlp fp32 = Mlp.random(303, ControlTestKit.WIDTH, 64, 32, 1);
        QuantizationResult int8 =
                Quantizer.quantize(fp32.toOnnx("features"), QuantizeSettings.defaults());
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = producer(kit)) {
            JobClient job = startJob(kit);
            assertAllActive(control.send(kit.deploy("fraud", 1, 1, fp32), Duration.ofSeconds(60), s -> {}), 1);
            Pacer pacer = new Pacer(5_000);
            long int8ActiveAt = Long.MAX_VALUE;
            for (int i = 0; i < total; i++) {
                pacer.awaitNext();
                producer.send("q-" + i);
                if (i == total / 2) {
                    Map<Integer, ModelStatus> finals =
                            control.send(
                                    kit.deploy("fraud", 2, 2, int8.model(), ModelPrecision.INT8),
                                    Duration.ofSeconds(60), s -> {});
                    assertAllActive(finals, 2);
                    finals.values().forEach(s -> assertEquals(ModelPrecision.INT8, s.getPrecision()));
                    int8ActiveAt = System.currentTimeMillis();
                }
            }
            producer.flush();
            Map<String, Scored> scored = readPredictions(kit, total);
            job.cancel().get(30, TimeUnit.SECONDS);

            assertEquals(producer.sent().keySet(), scored.keySet());
            int onInt8 = 0;
            for (TrackedProducer.Sent sent : producer.sent().values()) {
                Scored s = scored.get(sent.id());
                float expected = fp32.forward(sent.row())[0];
                if (sent.sentAt() >= int8ActiveAt) {
                    assertEquals(2, s.version, sent.id());
                    assertEquals("INT8", s.precision, sent.id());
                }
                if (s.version == 2) {
                    onInt8++;
                    assertEquals(expected, s.score, 1e-2, sent.id() + " INT8 vs FP32");
                } else {
                    assertEquals("FP32", s.precision, sent.id());
                    assertEquals(expected, s.score, 1e-5, sent.id());
                }
            }
            assertTrue(onInt8 >= total / 3, "scored by INT8: " + onInt8);
        }
    }

    private static TrackedProducer producer(ControlTestKit kit) throws Exception {
        return new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl, kit.features,
                "fraud", ControlTestKit.WIDTH);
    }

    private static JobClient startJob(ControlTestKit kit) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(kit.conf());
        env.setParallelism(PARALLELISM);
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(kit.conf()), kit.conf(), ModelSetup.resolve(kit.conf()));
        return env.executeAsync("control-it-" + kit.run);
    }

    static void assertAllActive(Map<Integer, ModelStatus> finals, long version) {
        assertAllActive(finals, version, PARALLELISM);
    }

    /** Every one of {@code parallelism} subtasks reported {@code version} ACTIVE. */
    static void assertAllActive(Map<Integer, ModelStatus> finals, long version, int parallelism) {
        assertEquals(parallelism, finals.size(), "subtasks reporting: " + finals);
        // inference.device is auto: the CPU build of ONNX Runtime falls back to the CPU and says
        // so; a GPU build (-Pgpu) may say CUDA.
        boolean cpuBuild = !OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        for (ModelStatus s : finals.values()) {
            assertEquals(ModelState.ACTIVE, s.getState(), s.toString());
            assertEquals(version, s.getVersion(), s.toString());
            if (cpuBuild) {
                assertEquals("CPU", s.getExecutionProvider(), s.toString());
            } else {
                assertTrue(List.of("CPU", "CUDA").contains(s.getExecutionProvider()), s.toString());
            }
        }
    }

    /** One prediction as read back. */
    private record Scored(long version, float score, long scoredAt, String precision) {}

    private static Map<String, Scored> readPredictions(ControlTestKit kit, int expected)
            throws Exception {
        Map<String, Scored> out = new HashMap<>();
        predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                expected).forEach((id, p) -> out.put(id, new Scored(
                        (Long) p.get("model_version"), firstScore(p), (Long) p.get("scored_at"),
                        String.valueOf(p.get("model_precision")))));
        return out;
    }

    /** In each features partition (read by one subtask), versions change only forward. */
    private static void assertVersionsNeverGoBackPerPartition(
            TrackedProducer producer, Map<String, Scored> scored) {
        Map<Integer, List<TrackedProducer.Sent>> byPartition = new TreeMap<>();
        for (TrackedProducer.Sent s : producer.sent().values()) {
            byPartition.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s);
        }
        for (Map.Entry<Integer, List<TrackedProducer.Sent>> e : byPartition.entrySet()) {
            List<TrackedProducer.Sent> events = e.getValue();
            events.sort(Comparator.comparingLong(TrackedProducer.Sent::offset));
            List<Long> runs = new ArrayList<>();
            for (TrackedProducer.Sent s : events) {
                long v = scored.get(s.id()).version;
                if (runs.isEmpty() || runs.get(runs.size() - 1) != v) {
                    runs.add(v);
                }
            }
            assertEquals(List.of(1L, 2L, 1L), runs, "versions in partition " + e.getKey());
        }
    }
}
