package io.inferflow.cli.control;

import io.inferflow.cli.CliRun;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane after Kafka's log cleaner ran: a control topic compacted within seconds (as
 * every production topic is once a segment rolls), checked to have kept one record per key
 * before anything else is asserted. Rollback still finds the old version, a version number is
 * never accepted again with other bytes (by the CLI, and by the job for a record written
 * directly), and a job started from the compacted topic with no checkpoint serves the same
 * canary split as the one before it.
 */
class ControlCompactionITCase {

    private static final int PARALLELISM = 2;

    /** Compaction within seconds: what the broker does on its own once a segment rolls. */
    private static final Map<String, String> FAST_COMPACTION = Map.of(
            "cleanup.policy", "compact",
            "segment.ms", "500",
            "min.cleanable.dirty.ratio", "0.01",
            "delete.retention.ms", "100",
            "min.compaction.lag.ms", "0");

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir Path store;
    @TempDir Path files;

    private ControlTestKit kit;

    @Test
    void rollbackVersionIdentityAndACanaryOutliveCompaction() throws Exception {
        kit = new ControlTestKit(STACK.kafka(), STACK.registryUrl(), store, PARALLELISM,
                FAST_COMPACTION);
        Map<Long, byte[]> cm = new TreeMap<>();
        for (long v = 1; v <= 4; v++) {
            cm.put(v, write("cm-v" + v + ".onnx",
                    Mlp.random(700 + v, ControlTestKit.WIDTH, 16, 1).toOnnx("features")));
        }
        byte[] other1 = write("other-v1.onnx",
                Mlp.random(801, ControlTestKit.WIDTH, 16, 1).toOnnx("features"));
        byte[] other2 = write("other-v2.onnx",
                Mlp.random(802, ControlTestKit.WIDTH, 16, 1).toOnnx("features"));

        JobClient first = ControlTestKit.startInferenceJob(kit.conf(), PARALLELISM, "first");
        try (ModelControlClient control = kit.client()) {
            for (long v = 1; v <= 3; v++) {
                assertActive(push("cm", v, files.resolve("cm-v" + v + ".onnx")));
            }
            assertActive(push("other", 1, files.resolve("other-v1.onnx")));
            assertActive(push("other", 2, files.resolve("other-v2.onnx")));
            assertActive(CliRun.of(kit.cli("model", "rollback", "--name", "other", "--to", "1")));

            awaitCompacted(control, List.of("cm", "other"));
            Map<String, Integer> keys = recordsPerKey();
            assertEquals(1, keys.get("cm"), "the cleaner ran: " + keys);
            assertEquals(1, keys.get("other"), "the cleaner ran: " + keys);
            for (String k : List.of("cm@v1", "cm@v2", "cm@v3", "other@v1", "other@v2")) {
                assertEquals(1, keys.get(k), k + " kept: " + keys);
            }

            // Rollback finds v1's descriptor in its VERSION record.
            CliRun rollback = CliRun.of(kit.cli("model", "rollback", "--name", "cm", "--to", "1"));
            assertActive(rollback);
            CliRun history = CliRun.of(kit.cli("model", "history", "--name", "cm"));
            assertEquals(0, history.exit(), history.toString());
            for (long v = 1; v <= 3; v++) {
                assertTrue(history.out().contains("v" + v + " ")
                        && history.out().contains(Hashes.sha256Hex(cm.get(v))), history.toString());
            }
            assertTrue(history.out().contains("desired: v1, generation 4"), history.toString());

            // v2 of 'other' was rolled back from; its number is still its file's.
            CliRun reuse = push("other", 2, files.resolve("other-v1.onnx"));
            assertEquals(2, reuse.exit(), reuse.toString());
            assertTrue(reuse.err().contains("--version 2: model 'other' v2 was pushed before"
                    + " (sha256 " + Hashes.sha256Hex(other2) + ", another file"),
                    reuse.toString());
            ModelControl direct = kit.deploy("other", 2, 10, other1);
            Map<Integer, ModelStatus> refused =
                    control.send(direct, Duration.ofSeconds(60), s -> {});
            ModelStatus gate = refused.get(-1);
            assertNotNull(gate, "the control gate answers: " + refused);
            assertEquals(ModelState.REJECTED, gate.getState());
            assertTrue(gate.getReason().startsWith("VERSION_REUSED: DEPLOY of 'other' v2"
                    + " generation 10: v2 is sha256 " + Hashes.sha256Hex(other2)),
                    gate.getReason());
            ModelControl otherNow = control.history().desired("other").orElseThrow();
            assertEquals(ModelAction.DEPLOY, otherNow.getAction(), "the record is on the topic");

            // A canary, then compaction again.
            CliRun canary = push("cm", 4, files.resolve("cm-v4.onnx"), "--canary", "30");
            assertEquals(0, canary.exit(), canary.toString());
            assertTrue(canary.out().contains("2 of 2 subtasks ACTIVE for canary v4"),
                    canary.toString());
        }
        Map<String, Long> split = new HashMap<>();
        try (TrackedProducer events = producer()) {
            for (int i = 0; i < 1500; i++) {
                events.send("a-" + i);
            }
            events.flush();
            Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                    kit.registryUrl, kit.predictions, 1500);
            assertEquals(1500, scored.size());
            assertScoredByOnnxRuntime(events, scored, cm);
            scored.values().forEach(p ->
                    split.put(p.get("entity_id").toString(), (Long) p.get("model_version")));
        }
        assertTrue(split.containsValue(1L) && split.containsValue(4L), "both versions: " + split);
        try (ModelControlClient control = kit.client()) {
            awaitCompacted(control, List.of("cm"));
        }
        first.cancel().get();

        // A second job with no checkpoint, from the compacted topic alone.
        Configuration conf = kit.conf();
        String predictions2 = kit.predictions + "-second";
        kit.kafka.createTopics(PARALLELISM, predictions2);
        conf.set(JobOptions.PREDICTIONS_TOPIC, predictions2);
        conf.set(JobOptions.GROUP_ID, "second-" + kit.run);
        conf.set(JobOptions.TRANSACTIONAL_ID_PREFIX, "second-" + kit.run);
        JobClient second = ControlTestKit.startInferenceJob(conf, PARALLELISM, "second");
        try (TrackedProducer events = producer()) {
            for (int i = 0; i < 1500; i++) {
                events.send("b-" + i);
            }
            events.flush();
            // The second job reads the features topic from the start: a-* and b-*.
            Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                    kit.registryUrl, predictions2, 3000);
            assertEquals(3000, scored.size());
            int compared = 0;
            for (GenericRecord p : scored.values()) {
                Long before = split.get(p.get("entity_id").toString());
                if (before != null) {
                    assertEquals(before, p.get("model_version"), p.toString());
                    compared++;
                }
            }
            assertTrue(compared > 2000, compared + " predictions compared");
            assertScoredByOnnxRuntime(events, filter(scored, "b-"), cm);
        } finally {
            second.cancel().get();
        }
    }

    private CliRun push(String model, long version, Path file, String... more) {
        return CliRun.of(kit.cli(Stream.concat(Stream.of("model", "push", "--name", model,
                "--version", String.valueOf(version), "--file", file.toString(),
                "--store", store.toString(), "--issued-by", "it"), Stream.of(more))
                .toArray(String[]::new)));
    }

    private static void assertActive(CliRun run) {
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("2 of 2 subtasks ACTIVE"), run.toString());
    }

    private byte[] write(String name, byte[] bytes) throws Exception {
        Files.write(files.resolve(name), bytes);
        return bytes;
    }

    private TrackedProducer producer() throws Exception {
        return new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                kit.features, "cm", ControlTestKit.WIDTH);
    }

    private static Map<String, GenericRecord> filter(Map<String, GenericRecord> all, String p) {
        Map<String, GenericRecord> out = new HashMap<>();
        all.forEach((id, r) -> {
            if (id.startsWith(p)) {
                out.put(id, r);
            }
        });
        return out;
    }

    /** Each prediction's score is what ONNX Runtime computes on its row with its version. */
    private static void assertScoredByOnnxRuntime(TrackedProducer events,
            Map<String, GenericRecord> scored, Map<Long, byte[]> versions) throws Exception {
        Map<Long, OnnxModel> models = new HashMap<>();
        try {
            for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
                long version = (Long) e.getValue().get("model_version");
                OnnxModel model = models.computeIfAbsent(version, v -> load(versions.get(v)));
                float[] row = events.sent().get(e.getKey()).row();
                FloatBuffer input = ByteBuffer.allocateDirect(row.length * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer().put(row);
                input.flip();
                assertEquals(model.score(input, 1)[0], firstScore(e.getValue()), 1e-6,
                        e.getKey() + " v" + version);
            }
        } finally {
            models.values().forEach(OnnxModel::close);
        }
    }

    private static OnnxModel load(byte[] bytes) {
        try {
            return OnnxModel.load("cm", bytes, RuntimeSettings.defaults());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the cleaner left one record under each model's own key, writing a VERSION
     * record of a model no event names every half second so the active segment rolls.
     */
    private void awaitCompacted(ModelControlClient control, List<String> models)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        int filler = 0;
        while (true) {
            Map<String, Integer> keys = recordsPerKey();
            if (models.stream().allMatch(m -> keys.getOrDefault(m, 0) == 1)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the cleaner did not compact " + models + ": " + keys);
            }
            Thread.sleep(600);
            ModelControl roll = kit.deploy("zz-filler", 1, 1, Mlp.random(1,
                    ControlTestKit.WIDTH, 2, 1).toOnnx("features"));
            roll.setIssuedBy("roll " + filler++);
            control.write(io.inferflow.jobs.control.ControlRecords.version(roll));
        }
    }

    /** Records per Kafka key on the control topic, as the broker holds it now. */
    private Map<String, Integer> recordsPerKey() {
        Map<String, Integer> out = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(kit.control, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.merge(
                        new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum));
            }
        }
        return out;
    }
}
