package io.inferflow.cli.control;

import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.EvaluationPipeline;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.JobOptions;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.model.Mlp;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.profile.ProfileBuilder;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.control.ModelControlITCase.assertAllActive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drift detection end to end with real parts: a signed ONNX model pushed with a reference profile
 * made by {@link ProfileBuilder}, events from the reference distribution and then with one
 * feature shifted by one standard deviation, a MiniCluster at parallelism 2, and the DriftReports
 * read back from the drift topic. Every event is labelled too (labels topic): reference events
 * with the class ONNX Runtime, run here, predicts, shifted ones with the other class, so the
 * reports' accuracy is exactly 1 in the reference windows and low after the shift.
 */
class DriftITCase {

    private static final int PARALLELISM = 2;
    private static final int WINDOW = 2_000;
    private static final int SHIFTED = 5;
    private static final int WIDTH = ControlTestKit.WIDTH;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(2 * PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();



    /** Feature f is normal with mean f / 2 and standard deviation 1 + f / 10. */
    private static float[] row(Random random, double shiftOfFeature5InStds) {
        float[] row = new float[WIDTH];
        for (int f = 0; f < WIDTH; f++) {
            double std = 1 + f / 10.0;
            double v = f / 2.0 + std * random.nextGaussian();
            if (f == SHIFTED) {
                v += shiftOfFeature5InStds * std;
            }
            row[f] = (float) v;
        }
        return row;
    }

    @Test
    void referenceWindowsStayStableAndAShiftedFeatureIsFlaggedMajor(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        String driftTopic = "drift-" + kit.run;
        STACK.kafka().createTopics(1, driftTopic);
        Configuration conf = kit.conf();
        conf.set(JobOptions.DRIFT_TOPIC, driftTopic);
        conf.set(DriftOptions.WINDOW_EVENTS, (long) WINDOW);
        conf.set(DriftOptions.WINDOW_TIME, Duration.ZERO);
        conf.set(DriftOptions.FLUSH_INTERVAL, Duration.ofMillis(200));
        String labelsTopic = "labels-" + kit.run;
        STACK.kafka().createTopics(PARALLELISM, labelsTopic);
        conf.set(JobOptions.LABELS_TOPIC, labelsTopic);
        conf.set(LabelOptions.ENABLED, true);

        Mlp mlp = Mlp.random(55, WIDTH, 32, 1);
        byte[] onnx = mlp.toOnnx("features");
        Random random = new Random(2026);
        float[][] reference = new float[20_000][];
        for (int i = 0; i < reference.length; i++) {
            reference[i] = row(random, 0);
        }
        ReferenceProfile profile = ProfileBuilder.build(onnx, reference, 10);
        ModelControl deploy = kit.deploy("fraud", 1, 1, onnx);
        deploy.setProfile(profile.toJson());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        InferencePipeline.build(
                env, KafkaPipelineIo.unbounded(conf), conf, ModelSetup.resolve(conf));
        JobClient job = env.executeAsync("drift-it-" + kit.run);
        // The drift windows and the labels join run in the evaluation job beside it, here on
        // RocksDB with managed memory: the backend for long drift windows.
        Configuration evaluationConf = new Configuration(conf);
        evaluationConf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        evaluationConf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        evaluationConf.setString("state.backend.rocksdb.memory.managed", "true");
        StreamExecutionEnvironment evaluationEnv =
                StreamExecutionEnvironment.getExecutionEnvironment(evaluationConf);
        evaluationEnv.setParallelism(PARALLELISM);
        EvaluationPipeline.build(
                evaluationEnv, KafkaPipelineIo.unbounded(evaluationConf), evaluationConf);
        JobClient evaluation = evaluationEnv.executeAsync("drift-it-evaluation-" + kit.run);
        try (ModelControlClient control = kit.client();
                FeatureProducer producer =
                        new FeatureProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                                kit.features);
                Reports reports = new Reports(kit.registryUrl, driftTopic);
                OnnxModel scorer = OnnxModel.load("check", onnx, RuntimeSettings.defaults())) {
            producer.labelsTo(labelsTopic);
            Labeller labeller = new Labeller(scorer);
            assertAllActive(control.send(deploy, Duration.ofSeconds(60), s -> {}), 1);
            Pacer pacer = new Pacer(20_000);
            int[] sent = {0};

            // Reference events until 20 windows closed, then until no more reports come.
            while (reports.count() < 20) {
                send(producer, pacer, random, 500, 0, sent, labeller, true);
                reports.poll(Duration.ofMillis(100));
                assertTrue(sent[0] < 60 * WINDOW, "20 windows should close within "
                        + 60 * WINDOW + " events; reports so far: " + reports.count());
            }
            reports.settle(Duration.ofSeconds(3));
            int referenceWindows = reports.count();

            // Feature 5 shifted by one standard deviation until two more windows closed.
            while (reports.count() < referenceWindows + 2) {
                send(producer, pacer, random, 500, 1.0, sent, labeller, false);
                reports.poll(Duration.ofMillis(100));
                assertTrue(sent[0] < 100 * WINDOW, "shifted windows did not close");
            }
            job.cancel().get(30, TimeUnit.SECONDS);
            evaluation.cancel().get(30, TimeUnit.SECONDS);

            List<GenericRecord> all = reports.all();
            for (GenericRecord r : all) {
                System.out.printf("drift window %s: %s events from %s subtasks, max PSI %.4f"
                                + " (%s), f%d PSI %.4f, %s labels, accuracy %s%n",
                        r.get("window"), r.get("events"), r.get("subtasks"), r.get("max_psi"),
                        r.get("max_psi_feature"), SHIFTED,
                        features(r).get(SHIFTED).get("psi"), r.get("labeled"),
                        r.get("accuracy"));
            }
            int stable = 0;
            for (int w = 0; w < 20; w++) {
                GenericRecord report = all.get(w);
                assertEquals((long) w + 1, report.get("window"), "windows are numbered from 1");
                assertEquals(1L, report.get("model_version"));
                assertTrue((Long) report.get("events") >= WINDOW, report.toString());
                assertEquals(PARALLELISM, report.get("subtasks"), "counts of both subtasks");
                boolean allBelow = true;
                for (GenericRecord f : features(report)) {
                    allBelow &= (Double) f.get("psi") < 0.1;
                }
                stable += allBelow ? 1 : 0;
            }
            assertTrue(stable >= 19,
                    "PSI < 0.1 on every feature in " + stable + " of 20 reference windows");

            // Reference events were labelled as their score predicts, shifted ones the other way.
            long labeled = 0;
            for (int w = 0; w < 20; w++) {
                GenericRecord report = all.get(w);
                long n = (Long) report.get("labeled");
                labeled += n;
                if (n > 0) {
                    assertEquals(1.0, (Double) report.get("accuracy"), 0.0, report.toString());
                }
            }
            assertTrue(labeled >= 10 * WINDOW, "labels in the reference windows: " + labeled);
            GenericRecord lastWindow = all.get(all.size() - 1);
            assertTrue((Long) lastWindow.get("labeled") > 0, lastWindow.toString());
            assertTrue((Double) lastWindow.get("accuracy") < 0.5,
                    "shifted events were labelled against their scores: " + lastWindow);

            List<GenericRecord> shifted =
                    all.subList(referenceWindows, referenceWindows + 2);
            boolean flagged = false;
            for (GenericRecord report : shifted) {
                List<GenericRecord> features = features(report);
                flagged |= "MAJOR".equals(features.get(SHIFTED).get("flag").toString());
                for (int f = 0; f < WIDTH; f++) {
                    if (f != SHIFTED) {
                        assertEquals("STABLE", features.get(f).get("flag").toString(),
                                "feature " + f + " in " + report);
                    }
                }
            }
            assertTrue(flagged, "feature " + SHIFTED + " flagged MAJOR within 2 windows: "
                    + shifted);
            GenericRecord last = shifted.get(1);
            assertEquals("MAJOR", features(last).get(SHIFTED).get("flag").toString());
            assertEquals("f" + SHIFTED, last.get("max_psi_feature").toString());
            assertEquals(1, last.get("major_features"));
            long reported = all.stream().mapToLong(r -> (Long) r.get("events")).sum();
            assertTrue(reported <= sent[0], reported + " events reported, " + sent[0] + " sent");
        } finally {
            for (JobClient j : List.of(job, evaluation)) {
                if (!j.getJobStatus().get().isTerminalState()) {
                    j.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void send(
            FeatureProducer producer,
            Pacer pacer,
            Random random,
            int n,
            double shift,
            int[] sent,
            Labeller labeller,
            boolean agree)
            throws Exception {
        for (int i = 0; i < n; i++) {
            pacer.awaitNext();
            float[] row = row(random, shift);
            List<Float> features = new ArrayList<>(WIDTH);
            for (float v : row) {
                features.add(v);
            }
            int id = sent[0]++;
            producer.send(FeatureProducer.event("e-" + id, "entity-" + (id % 97), "fraud",
                    System.currentTimeMillis(), features));
            producer.sendLabel("e-" + id, labeller.label(row, agree));
        }
        producer.flush();
    }

    /** Labels a row with the class ONNX Runtime's score of it predicts, or the other one. */
    private static final class Labeller {
        private final OnnxModel model;
        private final FloatBuffer input =
                ByteBuffer.allocateDirect(WIDTH * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();

        Labeller(OnnxModel model) {
            this.model = model;
        }

        double label(float[] row, boolean agree) throws Exception {
            input.clear();
            input.put(row).flip();
            boolean predicted = model.score(input, 1)[0] >= 0.5;
            return predicted == agree ? 1.0 : 0.0;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<GenericRecord> features(GenericRecord report) {
        return (List<GenericRecord>) report.get("features");
    }

    /** Reads the drift topic as it fills. */
    private static final class Reports implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AvroJson avro;
        private final List<GenericRecord> received = new ArrayList<>();

        Reports(String registryUrl, String topic) {
            this.avro = new AvroJson(new SchemaRegistryClient(registryUrl));
            this.consumer =
                    new KafkaConsumer<>(
                            Map.of(
                                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    STACK.kafka().bootstrapServers(),
                                    ConsumerConfig.GROUP_ID_CONFIG, "drift-" + UUID.randomUUID(),
                                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
        }

        void poll(Duration timeout) throws Exception {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                received.add(avro.decode(r.value()));
            }
        }

        /** Polls until nothing new came for {@code quiet}. */
        void settle(Duration quiet) throws Exception {
            int before;
            do {
                before = received.size();
                long until = System.nanoTime() + quiet.toNanos();
                while (System.nanoTime() < until) {
                    poll(Duration.ofMillis(100));
                }
            } while (received.size() != before);
        }

        int count() {
            return received.size();
        }

        List<GenericRecord> all() {
            return received;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
