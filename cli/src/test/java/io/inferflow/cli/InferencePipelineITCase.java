package io.inferflow.cli;

import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.model.Mlp;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data path end to end with real parts: an embedded Kafka broker, the in-process Schema
 * Registry over HTTP, a MiniCluster at parallelism 2 and ONNX Runtime on a real model file.
 */
class InferencePipelineITCase {

    private static final int PARALLELISM = 2;
    private static final int WIDTH = 16;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();



    @Test
    void scoresEveryEventExactlyOnceAndDeadLettersTheRest(@TempDir Path dir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String features = "features-" + run;
        String predictions = "predictions-" + run;
        String deadLetters = "dead-letters-" + run;
        STACK.kafka().createTopics(PARALLELISM, features, predictions, deadLetters);
        STACK.kafka().createTopics(1, "model-control-" + run, "model-status-" + run);
        // Every sink's topic must exist: the exactly-once sinks' POOLING transaction naming
        // looks up open transactions per topic when they start.
        STACK.kafka().createTopics(
                PARALLELISM, JobOptions.PREDICTIONS_SHADOW_TOPIC.defaultValue());
        STACK.kafka().createTopics(1, JobOptions.DRIFT_COUNTS_TOPIC.defaultValue());

        Path modelFile = dir.resolve("mlp.onnx");
        Files.write(modelFile, Mlp.random(11, WIDTH, 64, 32, 1).toOnnx("features"));

        int good = 10_000;
        Map<String, float[]> rows = new HashMap<>();
        Map<String, String> expectedDeadLetters = new HashMap<>();
        Random random = new Random(3);
        try (FeatureProducer producer =
                new FeatureProducer(
                        STACK.kafka().bootstrapServers(), STACK.registryUrl(), features)) {
            for (int i = 0; i < good; i++) {
                String id = "e-" + i;
                float[] row = randomRow(random, WIDTH);
                rows.put(id, row);
                producer.send(event(id, row));
                if (i % 1000 == 500) {
                    String bad = "bad-" + i;
                    producer.sendRaw(key(bad), ("garbage " + i).getBytes(StandardCharsets.UTF_8));
                    expectedDeadLetters.put(bad, ErrorTypes.BAD_MAGIC_BYTE);
                    String unknown = "unknown-" + i;
                    producer.sendRaw(key(unknown), ConfluentWireFormat.frame(987_654, new byte[] {2, 4}));
                    expectedDeadLetters.put(unknown, ErrorTypes.UNKNOWN_SCHEMA_ID);
                    String narrow = "narrow-" + i;
                    producer.send(event(narrow, randomRow(random, WIDTH / 2)));
                    expectedDeadLetters.put(narrow, ErrorTypes.WRONG_WIDTH);
                }
            }
            producer.flush();
            assertEquals(0, producer.failed(), "producer failures: " + producer.lastError());
        }

        Configuration conf = new Configuration();
        conf.set(JobOptions.BOOTSTRAP_SERVERS, STACK.kafka().bootstrapServers());
        conf.set(JobOptions.REGISTRY_URL, STACK.registryUrl());
        conf.set(JobOptions.FEATURES_TOPIC, features);
        conf.set(JobOptions.PREDICTIONS_TOPIC, predictions);
        conf.set(JobOptions.DEAD_LETTERS_TOPIC, deadLetters);
        conf.set(JobOptions.GROUP_ID, "it-" + run);
        conf.set(JobOptions.TRANSACTIONAL_ID_PREFIX, "it-" + run);
        conf.set(JobOptions.MODEL_CONTROL_TOPIC, "model-control-" + run);
        conf.set(JobOptions.MODEL_STATUS_TOPIC, "model-status-" + run);
        conf.set(InferenceOptions.MODELS, List.of("mlp:3=" + modelFile));
        conf.set(JobOptions.REQUIRE_SIGNATURES, false);
        conf.set(JobOptions.ALLOWED_URI_ROOTS, List.of(dir.toUri().toString()));
        conf.set(InferenceOptions.BATCH_MAX_SIZE, 32);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        InferencePipeline.build(env, KafkaPipelineIo.boundedAtStart(conf), conf, ModelSetup.resolve(conf));
        env.execute("inference-it");

        AvroJson avro = new AvroJson(new SchemaRegistryClient(STACK.registryUrl()));
        List<ConsumerRecord<byte[], byte[]>> out =
                KafkaTestUtils.readCommitted(
                        STACK.kafka().bootstrapServers(), predictions, good, Duration.ofSeconds(60),
                        Duration.ofSeconds(2));
        assertEquals(good, out.size(), "predictions read with read_committed");

        Map<String, float[]> scores = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            GenericRecord p = avro.decode(r.value());
            String id = p.get("event_id").toString();
            assertEquals(null, scores.put(id, floats(p.get("scores"))), "duplicate " + id);
            assertEquals("mlp", p.get("model").toString());
            assertEquals(3L, p.get("model_version"));
            assertEquals("FP32", String.valueOf(p.get("model_precision")));
            assertEquals(id, new String(r.key(), StandardCharsets.UTF_8));
        }
        assertEquals(rows.keySet(), scores.keySet());
        assertScoresMatchOnnxRuntime(modelFile, rows, scores);

        List<ConsumerRecord<byte[], byte[]>> dead =
                KafkaTestUtils.readCommitted(
                        STACK.kafka().bootstrapServers(), deadLetters, expectedDeadLetters.size(),
                        Duration.ofSeconds(30), Duration.ofSeconds(1));
        Map<String, String> actual = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            GenericRecord letter = avro.decode(r.value());
            String key = new String(r.key(), StandardCharsets.UTF_8);
            String type = letter.get("error_type").toString();
            assertEquals(null, actual.put(key, type), "dead letter twice for " + key);
            assertTrue(letter.get("error_message").toString().length() > 10,
                    "reason for " + key + ": " + letter.get("error_message"));
            assertEquals(features, letter.get("topic").toString());
            assertNotNull(letter.get("value"), "original bytes of " + key);
            if (type.equals(ErrorTypes.WRONG_WIDTH)) {
                assertTrue(letter.get("error_message").toString().contains("8"),
                        letter.get("error_message").toString());
            }
            if (type.equals(ErrorTypes.BAD_MAGIC_BYTE)) {
                ByteBuffer value = (ByteBuffer) letter.get("value");
                byte[] bytes = new byte[value.remaining()];
                value.get(bytes);
                assertTrue(new String(bytes, StandardCharsets.UTF_8).startsWith("garbage "));
            }
        }
        assertEquals(expectedDeadLetters, actual);
    }

    private static void assertScoresMatchOnnxRuntime(
            Path modelFile, Map<String, float[]> rows, Map<String, float[]> scores)
            throws Exception {
        try (OnnxModel model =
                OnnxModel.load(
                        "direct", Files.readAllBytes(modelFile), RuntimeSettings.defaults())) {
            List<String> ids = new ArrayList<>(rows.keySet());
            FloatBuffer in =
                    ByteBuffer.allocateDirect(ids.size() * WIDTH * 4)
                            .order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
            for (String id : ids) {
                in.put(rows.get(id));
            }
            float[] direct = model.score(in, ids.size());
            for (int i = 0; i < ids.size(); i++) {
                float[] expected = Arrays.copyOfRange(direct, i, i + 1);
                float[] actual = scores.get(ids.get(i));
                assertArrayEquals(expected, actual, 1e-6f, "scores of " + ids.get(i));
            }
        }
    }

    private static FeatureEvent event(String id, float[] row) {
        List<Float> features = new ArrayList<>(row.length);
        for (float f : row) {
            features.add(f);
        }
        return FeatureProducer.event(id, id, "mlp", System.currentTimeMillis(), features);
    }

    private static float[] randomRow(Random random, int width) {
        float[] row = new float[width];
        for (int i = 0; i < width; i++) {
            row[i] = (float) random.nextGaussian();
        }
        return row;
    }

    private static float[] floats(Object list) {
        List<?> values = (List<?>) list;
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Float) values.get(i);
        }
        return out;
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}
