package io.inferflow.cli.control;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.ExporterModels;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Models in the shapes skl2onnx writes, served by a running job (embedded Kafka, the registry
 * over HTTP, a MiniCluster at parallelism 2, signed models): a random forest with and without
 * ZipMap, a string-labelled forest, a gradient-boosted regressor, a logistic regression, a
 * gradient-boosted classifier (skl2onnx's form, also LightGBM's) and XGBoost's form, each
 * fed 10,000 events plus 50 of the wrong width. Every event gets exactly one prediction whose
 * named outputs, label and class probabilities equal what ONNX Runtime returns for the same row
 * on a session of its own; only the wrong-width events are dead letters.
 */
class ExporterModelsITCase {

    private static final int PARALLELISM = 2;
    private static final int FEATURES = 6;
    private static final int EVENTS = 10_000;
    private static final int BAD = 50;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;

    private static ControlTestKit kit;
    private static JobClient job;

    /** Model name to its bytes, in the order they are fed. */
    private static final Map<String, byte[]> MODELS = new LinkedHashMap<>();

    @BeforeAll
    static void startJob() throws Exception {
        MODELS.put("forest", ExporterModels.forestClassifier(
                21, FEATURES, List.of(0L, 1L, 2L), 20, 5, true));
        MODELS.put("forest-tensor", ExporterModels.forestClassifier(
                22, FEATURES, List.of(0L, 1L), 20, 5, false));
        MODELS.put("pets", ExporterModels.forestClassifier(
                23, FEATURES, List.of("cat", "dog", "fish"), 10, 4, true));
        MODELS.put("price", ExporterModels.boostedRegressor(24, FEATURES, 30, 4));
        MODELS.put("churn", ExporterModels.logisticRegression(25, FEATURES));
        MODELS.put("boosted", ExporterModels.boostedClassifier(26, FEATURES, 30, 4, false));
        MODELS.put("xgboost", ExporterModels.boostedClassifier(27, FEATURES, 30, 4, true));
        kit = new ControlTestKit(STACK, store, PARALLELISM);
        job = ControlTestKit.startInferenceJob(kit.conf(), PARALLELISM,
                "exporter-models-it-" + kit.run);
        try (ModelControlClient control = kit.client()) {
            for (Map.Entry<String, byte[]> m : MODELS.entrySet()) {
                ModelControlITCase.assertAllActive(control.send(
                        kit.deploy(m.getKey(), 1, 1, m.getValue(), ExporterModels.INPUT, FEATURES),
                        Duration.ofSeconds(60), s -> {}), 1);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        ControlTestKit.stop(job, null);
    }

    @Test
    void everyFamilyServesNamedOutputsEqualToOnnxRuntimeRunDirectly() throws Exception {
        Map<String, TrackedProducer.Sent> sent = new HashMap<>();
        Map<String, String> modelOf = new HashMap<>();
        Pacer pacer = new Pacer(6_000);
        for (String model : MODELS.keySet()) {
            try (TrackedProducer good = producer(model, FEATURES);
                    TrackedProducer bad = producer(model, FEATURES - 1)) {
                for (int i = 0; i < EVENTS; i++) {
                    pacer.awaitNext();
                    good.send(model + "-" + i);
                    if (i % (EVENTS / BAD) == 0) {
                        bad.send(model + "-bad-" + i);
                    }
                }
                good.flush();
                bad.flush();
                sent.putAll(good.sent());
                good.sent().keySet().forEach(id -> modelOf.put(id, model));
            }
        }

        Map<String, GenericRecord> predictions = predictionsOnce(
                STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                MODELS.size() * EVENTS);
        assertEquals(sent.keySet(), predictions.keySet(), "exactly one prediction per good event");
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(
                STACK.kafka().bootstrapServers(), kit.deadLetters, MODELS.size() * BAD,
                Duration.ofSeconds(60), Duration.ofSeconds(1));
        assertEquals(MODELS.size() * BAD, deadLetters.size(), "only the wrong-width events");
        AvroJson avro = new AvroJson(new SchemaRegistryClient(kit.registryUrl));
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            assertEquals(ErrorTypes.WRONG_WIDTH, avro.decode(r.value()).get("error_type").toString());
        }

        for (Map.Entry<String, byte[]> m : MODELS.entrySet()) {
            List<TrackedProducer.Sent> rows = new ArrayList<>();
            sent.values().stream().filter(s -> modelOf.get(s.id()).equals(m.getKey()))
                    .forEach(rows::add);
            List<Map<String, Object>> direct = direct(m.getValue(), rows);
            for (int r = 0; r < rows.size(); r++) {
                check(m.getKey(), predictions.get(rows.get(r).id()), direct.get(r));
            }
        }
    }

    /** One prediction against the direct run's outputs for its row. */
    private static void check(String model, GenericRecord p, Map<String, Object> expected) {
        String id = p.get("event_id").toString();
        List<?> outputs = (List<?>) p.get("outputs");
        assertEquals(expected.keySet().size(), outputs.size(), id);
        for (Object o : outputs) {
            GenericRecord output = (GenericRecord) o;
            String name = output.get("name").toString();
            Object value = expected.get(name);
            assertNotNull(value, id + " output " + name);
            if (value instanceof String label) {
                assertEquals(List.of(label), strings(output.get("strings")), id);
            } else if (value instanceof Map<?, ?> map) {
                // ZipMap: probabilities in the model's class order, paired with their labels.
                List<?> pairs = (List<?>) p.get("probabilities");
                assertEquals(map.size(), pairs.size(), id);
                List<?> values = (List<?>) output.get("values");
                for (int c = 0; c < pairs.size(); c++) {
                    GenericRecord pair = (GenericRecord) pairs.get(c);
                    Object key = map.keySet().iterator().next() instanceof Long
                            ? Long.valueOf(pair.get("class_label").toString())
                            : pair.get("class_label").toString();
                    float want = ((Number) map.get(key)).floatValue();
                    assertEquals(want, (Float) pair.get("probability"), 1e-6, id);
                    assertEquals(want, (Float) values.get(c), 1e-6, id);
                }
            } else {
                float[] want = (float[]) value;
                List<?> values = (List<?>) output.get("values");
                assertEquals(want.length, values.size(), id);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], (Float) values.get(i), 1e-6, id + " " + name);
                }
            }
        }
        // A probability tensor with classes from the classifier node: pairs in its order.
        for (String name : List.of("output_probability", "probabilities")) {
            if (expected.get(name) instanceof float[] want) {
                List<?> pairs = (List<?>) p.get("probabilities");
                assertEquals(want.length, pairs.size(), id);
                for (int c = 0; c < want.length; c++) {
                    GenericRecord pair = (GenericRecord) pairs.get(c);
                    assertEquals(Integer.toString(c), pair.get("class_label").toString(), id);
                    assertEquals(want[c], (Float) pair.get("probability"), 1e-6, id);
                }
            }
        }
        Object label = expected.containsKey("output_label") ? expected.get("output_label")
                : expected.get("label");
        if (label == null) {
            assertNull(p.get("label"), id);
        } else if (label instanceof String s) {
            assertEquals(s, p.get("label").toString(), id + " " + model);
        } else {
            assertEquals(Long.toString((long) ((float[]) label)[0]), p.get("label").toString(), id);
        }
    }

    /** Each row's outputs from a session of its own: float[] per numeric output, a String or a map. */
    private static List<Map<String, Object>> direct(byte[] bytes, List<TrackedProducer.Sent> rows)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[][] input = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            input[r] = rows.get(r).row();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            out.add(new LinkedHashMap<>());
        }
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor tensor = OnnxTensor.createTensor(env, input);
                OrtSession.Result result = session.run(Map.of(ExporterModels.INPUT, tensor))) {
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxValue v = e.getValue();
                if (v instanceof OnnxSequence seq) {
                    // Each map is a native value of its own, made by getValue(): read once.
                    List<? extends OnnxValue> maps = seq.getValue();
                    for (int r = 0; r < rows.size(); r++) {
                        out.get(r).put(e.getKey(), ((OnnxMap) maps.get(r)).getValue());
                    }
                    maps.forEach(OnnxValue::close);
                    continue;
                }
                Object values = v.getValue();
                for (int r = 0; r < rows.size(); r++) {
                    out.get(r).put(e.getKey(), row(values, r));
                }
            }
        }
        return out;
    }

    private static Object row(Object v, int r) {
        if (v instanceof String[] s) {
            return s[r];
        }
        if (v instanceof long[] l) {
            return new float[] {l[r]};
        }
        if (v instanceof float[][] f) {
            return f[r];
        }
        if (v instanceof float[] f) {
            return new float[] {f[r]};
        }
        throw new AssertionError("unexpected output " + v);
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(o.toString());
        }
        return out;
    }

    private static TrackedProducer producer(String model, int width) throws Exception {
        return new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                kit.features, model, width);
    }
}
