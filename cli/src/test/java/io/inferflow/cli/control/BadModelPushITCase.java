package io.inferflow.cli.control;

import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import ai.onnx.proto.OnnxMl;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.JobOptions;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import io.inferflow.cli.TrackedProducer;

import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad push is REJECTED by every subtask with its own reason while v1 keeps
 * serving. One running job (parallelism 2) takes all pushes, one test each.
 */
class BadModelPushITCase {

    private static final int PARALLELISM = 2;
    private static final long MAX_MODEL_BYTES = MemorySize.ofMebiBytes(1).getBytes();

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @TempDir static Path store;
    @TempDir static Path elsewhere;

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();
    private static ControlTestKit kit;
    private static ModelControlClient control;
    private static TrackedProducer producer;
    private static JobClient job;
    private static int closedPort;
    private static final AtomicLong GENERATION = new AtomicLong(1);
    private static final Mlp V1 = Mlp.random(7, ControlTestKit.WIDTH, 32, 1);

    @BeforeAll
    static void startJobServingV1() throws Exception {
        kit = new ControlTestKit(STACK, store, PARALLELISM);
        closedPort = EmbeddedKafka.freePort();
        Configuration conf = kit.conf();
        conf.set(JobOptions.ALLOWED_URI_ROOTS,
                List.of(store.toUri().toString(), "http://127.0.0.1:" + closedPort + "/"));
        conf.set(JobOptions.MAX_MODEL_SIZE, MemorySize.ofMebiBytes(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf, ModelSetup.resolve(conf));
        job = env.executeAsync("bad-push-it");
        control = kit.client();
        producer = new TrackedProducer(STACK.kafka().bootstrapServers(), STACK.registryUrl(),
                kit.features, "fraud", ControlTestKit.WIDTH);
        Map<Integer, ModelStatus> finals =
                control.send(kit.deploy("fraud", 1, GENERATION.getAndIncrement(), V1),
                        Duration.ofSeconds(60), s -> {});
        ModelControlITCase.assertAllActive(finals, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        producer.close();
        control.close();
    }

    @Test
    void rejectsTruncatedFile() throws Exception {
        byte[] model = Mlp.random(8, ControlTestKit.WIDTH, 32, 1).toOnnx("features");
        assertRejected("NOT_LOADABLE", push(Arrays.copyOf(model, model.length / 2), r -> r));
    }

    @Test
    void rejectsRandomBytes() throws Exception {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        assertRejected("NOT_LOADABLE", push(junk, r -> r));
    }

    @Test
    void rejectsWrongInputName() throws Exception {
        assertRejected("WRONG_INPUT_NAME",
                push(Mlp.random(9, ControlTestKit.WIDTH, 8, 1).toOnnx("x"), r -> r));
    }

    @Test
    void rejectsInputOfTypeDouble() throws Exception {
        assertRejected("WRONG_INPUT_TYPE", push(doubleInputModel(ControlTestKit.WIDTH), r -> r));
    }

    @Test
    void rejectsWrongWidth() throws Exception {
        assertRejected("WRONG_INPUT_WIDTH",
                push(Mlp.random(10, ControlTestKit.WIDTH / 2, 8, 1).toOnnx("features"), r -> r));
    }

    @Test
    void rejectsSha256Mismatch() throws Exception {
        assertRejected("SHA256_MISMATCH", push(V1.toOnnx("features"), r -> {
            r.setSha256(Hashes.sha256Hex(new byte[] {1, 2, 3}));
            return r;
        }));
    }

    @Test
    void rejectsMissingSignature() throws Exception {
        assertRejected("SIGNATURE_MISSING", push(V1.toOnnx("features"), r -> {
            r.setSignature(null);
            r.setKeyId(null);
            return r;
        }));
    }

    @Test
    void rejectsInvalidSignature() throws Exception {
        assertRejected("SIGNATURE_INVALID", push(V1.toOnnx("features"), r -> {
            r.setSignature(Ed25519.sign(kit.key.getPrivate(),
                    ControlRecords.signedPayload(r.getName(), r.getVersion() + 1, r.getSha256())));
            return r;
        }));
    }

    @Test
    void rejectsUntrustedKey() throws Exception {
        var stranger = Ed25519.generate();
        assertRejected("UNTRUSTED_KEY", push(V1.toOnnx("features"), r -> {
            r.setSignature(Ed25519.sign(stranger.getPrivate(),
                    ControlRecords.signedPayload(r.getName(), r.getVersion(), r.getSha256())));
            r.setKeyId(Ed25519.keyId(stranger.getPublic()));
            return r;
        }));
    }

    @Test
    void rejectsUriOutsideAllowedRoots() throws Exception {
        Path outside = elsewhere.resolve("v.onnx");
        Files.write(outside, V1.toOnnx("features"));
        assertRejected("URI_NOT_ALLOWED", push(V1.toOnnx("features"), r -> {
            r.setUri(outside.toUri().toString());
            return r;
        }));
        assertRejected("URI_NOT_ALLOWED", push(V1.toOnnx("features"), r -> {
            r.setUri(store.toUri() + "../" + elsewhere.getFileName() + "/v.onnx");
            return r;
        }));
    }

    @Test
    void rejectsUnreachableUri() throws Exception {
        assertRejected("FETCH_FAILED", push(V1.toOnnx("features"), r -> {
            r.setUri("http://127.0.0.1:" + closedPort + "/v.onnx");
            return r;
        }));
    }

    @Test
    void rejectsFileOverSizeLimit() throws Exception {
        byte[] wide = Mlp.random(11, ControlTestKit.WIDTH, 1024, 1024, 1).toOnnx("features");
        assertTrue(wide.length > MAX_MODEL_BYTES);
        assertRejected("TOO_LARGE", push(wide, r -> r));
    }

    /** Pushes {@code bytes} as the next version, after {@code tamper} changed the record. */
    private static Map<Integer, ModelStatus> push(byte[] bytes, UnaryOperator<ModelControl> tamper)
            throws Exception {
        long generation = GENERATION.getAndIncrement();
        ModelControl record = tamper.apply(kit.deploy("fraud", generation, generation, bytes));
        return control.send(record, Duration.ofSeconds(60), s -> {});
    }

    /** Every subtask rejected with {@code reason}, and events sent afterwards still get v1. */
    private static void assertRejected(String reason, Map<Integer, ModelStatus> finals)
            throws Exception {
        assertEquals(PARALLELISM, finals.size(), finals.toString());
        for (ModelStatus s : finals.values()) {
            assertEquals(ModelState.REJECTED, s.getState(), s.toString());
            assertNotNull(s.getReason());
            assertTrue(s.getReason().startsWith(reason), "expected " + reason + ": " + s.getReason());
        }
        assertStillServesV1();
    }

    private static void assertStillServesV1() throws Exception {
        Set<String> ids = new HashSet<>();
        String prefix = "after-" + GENERATION.get() + "-";
        for (int i = 0; i < 20; i++) {
            ids.add(prefix + i);
            producer.send(prefix + i);
        }
        producer.flush();
        AvroJson avro = new AvroJson(new SchemaRegistryClient(STACK.registryUrl()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Set<String> seen = new HashSet<>();
        while (!seen.containsAll(ids) && System.nanoTime() < deadline) {
            List<ConsumerRecord<byte[], byte[]>> out =
                    readCommitted(STACK.kafka().bootstrapServers(), kit.predictions, Integer.MAX_VALUE,
                            Duration.ofSeconds(2), Duration.ZERO);
            for (ConsumerRecord<byte[], byte[]> r : out) {
                GenericRecord p = avro.decode(r.value());
                String id = p.get("event_id").toString();
                if (ids.contains(id)) {
                    assertEquals(1L, p.get("model_version"), id);
                    seen.add(id);
                }
            }
        }
        assertEquals(ids, seen, "predictions of events sent after the rejection");
    }

    /** A graph whose input is DOUBLE [batch, width], cast to float inside. */
    private static byte[] doubleInputModel(int width) {
        OnnxMl.TensorShapeProto shape =
                OnnxMl.TensorShapeProto.newBuilder()
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                        .build();
        OnnxMl.ValueInfoProto input = valueInfo("features", OnnxMl.TensorProto.DataType.DOUBLE, shape);
        OnnxMl.ValueInfoProto output = valueInfo("score", OnnxMl.TensorProto.DataType.FLOAT, shape);
        OnnxMl.GraphProto graph =
                OnnxMl.GraphProto.newBuilder()
                        .setName("double_input")
                        .addInput(input)
                        .addOutput(output)
                        .addNode(
                                OnnxMl.NodeProto.newBuilder()
                                        .setOpType("Cast")
                                        .addInput("features")
                                        .addOutput("score")
                                        .addAttribute(
                                                OnnxMl.AttributeProto.newBuilder()
                                                        .setName("to")
                                                        .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                                        .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber())))
                        .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static OnnxMl.ValueInfoProto valueInfo(
            String name, OnnxMl.TensorProto.DataType type, OnnxMl.TensorShapeProto shape) {
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(type.getNumber())
                                                .setShape(shape)))
                .build();
    }
}
