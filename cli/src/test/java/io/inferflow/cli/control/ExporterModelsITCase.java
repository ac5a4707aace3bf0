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
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
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
 * fed 10,000 events plus 50 of the wrong width; and two {@code ColumnTransformer} pipelines with
 * two inputs each (float32 {@code num}, and {@code cat} as a string or an int64 category the
 * graph one-hot-encodes), fed 10,000 events by named inputs plus 50 without the {@code cat}
 * input. Every event gets exactly one prediction whose named outputs, label and class
 * probabilities equal what ONNX Runtime returns for the same row on a session of its own; only
 * the bad events are dead letters. Events written with the {@code FeatureEvent} schema as it was
 * before named inputs are still scored.
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

    /** The two-input pipelines: model name to its categories. */
    private static final Map<String, List<?>> PIPELINES = new LinkedHashMap<>();
    private static final Map<String, byte[]> PIPELINE_BYTES = new HashMap<>();

    /** Events from producers of today's FeatureEvent schema, before named inputs. */
    private static final int OLD_SCHEMA_EVENTS = 200;

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
        PIPELINES.put("colors", List.of("red", "green", "blue"));
        PIPELINES.put("regions", List.of(10L, 20L, 30L, 40L));
        PIPELINE_BYTES.put("colors", ExporterModels.columnTransformer(28, 2, PIPELINES.get("colors")));
        PIPELINE_BYTES.put("regions", ExporterModels.columnTransformer(29, 2, PIPELINES.get("regions")));
        kit = new ControlTestKit(STACK, store, PARALLELISM);
        job = ControlTestKit.startInferenceJob(kit.conf(), PARALLELISM,
                "exporter-models-it-" + kit.run);
        try (ModelControlClient control = kit.client()) {
            for (Map.Entry<String, byte[]> m : MODELS.entrySet()) {
                ModelControlITCase.assertAllActive(control.send(
                        kit.deploy(m.getKey(), 1, 1, m.getValue(), ExporterModels.INPUT, FEATURES),
                        Duration.ofSeconds(60), s -> {}), 1);
            }
            for (String name : PIPELINES.keySet()) {
                ModelControlITCase.assertAllActive(control.send(
                        kit.deploy(name, 1, 1, PIPELINE_BYTES.get(name), "num,cat", 3),
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

        Map<String, NamedRow> named = new HashMap<>();
        for (String model : PIPELINES.keySet()) {
            sendNamed(model, pacer, sent, modelOf, named);
        }
        Map<String, float[]> oldSchema = sendWithOldSchema("forest", sent, modelOf);

        int good = (MODELS.size() + PIPELINES.size()) * EVENTS + OLD_SCHEMA_EVENTS;
        Map<String, GenericRecord> predictions = predictionsOnce(
                STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions, good);
        assertEquals(sent.keySet(), predictions.keySet(), "exactly one prediction per good event");
        int bad = (MODELS.size() + PIPELINES.size()) * BAD;
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(
                STACK.kafka().bootstrapServers(), kit.deadLetters, bad,
                Duration.ofSeconds(60), Duration.ofSeconds(1));
        assertEquals(bad, deadLetters.size(), "only the bad events");
        AvroJson avro = new AvroJson(new SchemaRegistryClient(kit.registryUrl));
        int missingInput = 0;
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            GenericRecord letter = avro.decode(r.value());
            assertEquals(ErrorTypes.WRONG_WIDTH, letter.get("error_type").toString());
            if (letter.get("error_message").toString().contains("the event has no input 'cat'")) {
                missingInput++;
            }
        }
        assertEquals(PIPELINES.size() * BAD, missingInput, "each pipeline's events without 'cat'");

        for (String model : PIPELINES.keySet()) {
            List<String> ids = new ArrayList<>();
            named.forEach((id, row) -> {
                if (row.model().equals(model)) {
                    ids.add(id);
                }
            });
            List<Map<String, Object>> direct = directNamed(PIPELINE_BYTES.get(model), ids, named);
            for (int r = 0; r < ids.size(); r++) {
                check(model, predictions.get(ids.get(r)), direct.get(r));
            }
        }

        for (Map.Entry<String, byte[]> m : MODELS.entrySet()) {
            List<TrackedProducer.Sent> rows = new ArrayList<>();
            sent.values().stream().filter(s -> modelOf.get(s.id()).equals(m.getKey()))
                    .map(s -> s.row() != null ? s : new TrackedProducer.Sent(s.id(),
                            oldSchema.get(s.id()), s.sentAt(), s.partition(), s.offset()))
                    .forEach(rows::add);
            List<Map<String, Object>> direct = direct(m.getValue(), rows);
            for (int r = 0; r < rows.size(); r++) {
                check(m.getKey(), predictions.get(rows.get(r).id()), direct.get(r));
            }
        }
    }

    /** A two-input row as sent: its model, numeric values and category. */
    private record NamedRow(String model, float[] num, Object cat) {}

    /**
     * Sends {@link #EVENTS} events with named inputs {@code num} and {@code cat} (one in a
     * hundred with a category the encoder never saw) and {@link #BAD} without {@code cat}.
     */
    private static void sendNamed(String model, Pacer pacer, Map<String, TrackedProducer.Sent> sent,
            Map<String, String> modelOf, Map<String, NamedRow> named) throws Exception {
        List<?> categories = PIPELINES.get(model);
        boolean strings = categories.get(0) instanceof String;
        java.util.Random random = new java.util.Random(model.hashCode());
        try (TrackedProducer producer = producer(model, 0)) {
            for (int i = 0; i < EVENTS; i++) {
                pacer.awaitNext();
                float[] num = {(float) random.nextGaussian(), (float) random.nextGaussian()};
                Object cat = i % 100 == 7 ? (strings ? "unseen" : (Object) 99L)
                        : categories.get(random.nextInt(categories.size()));
                NamedInput.Builder catInput = NamedInput.newBuilder().setName("cat");
                if (strings) {
                    catInput.setStrings(List.of((String) cat));
                } else {
                    catInput.setLongs(List.of((Long) cat));
                }
                String id = model + "-" + i;
                producer.sendNamed(id, List.of(numInput(num), catInput.build()));
                named.put(id, new NamedRow(model, num, cat));
                if (i % (EVENTS / BAD) == 0) {
                    producer.sendNamed(model + "-bad-" + i, List.of(numInput(num)));
                }
            }
            producer.flush();
            producer.sent().keySet().stream().filter(id -> !id.contains("-bad-"))
                    .forEach(id -> {
                        sent.put(id, producer.sent().get(id));
                        modelOf.put(id, model);
                    });
        }
    }

    private static NamedInput numInput(float[] num) {
        return NamedInput.newBuilder().setName("num").setFloats(List.of(num[0], num[1])).build();
    }

    /**
     * Sends {@link #OLD_SCHEMA_EVENTS} flat events for {@code model} written with the {@code
     * FeatureEvent} schema before named inputs (today's schema less its {@code inputs} field,
     * registered as a schema of its own); returns each event's row.
     */
    private static Map<String, float[]> sendWithOldSchema(String model,
            Map<String, TrackedProducer.Sent> sent, Map<String, String> modelOf) throws Exception {
        Schema old = schemaWithoutInputs();
        int id = new SchemaRegistryClient(kit.registryUrl).register(
                kit.features + "-value", old);
        Map<String, float[]> rows = new HashMap<>();
        java.util.Random random = new java.util.Random(31);
        try (TrackedProducer producer = producer(model, FEATURES)) {
            for (int i = 0; i < OLD_SCHEMA_EVENTS; i++) {
                float[] row = new float[FEATURES];
                List<Float> features = new ArrayList<>();
                for (int f = 0; f < FEATURES; f++) {
                    row[f] = (float) random.nextGaussian();
                    features.add(row[f]);
                }
                GenericRecord event = new GenericData.Record(old);
                String eventId = model + "-old-" + i;
                event.put("event_id", eventId);
                event.put("entity_id", "entity-" + i);
                event.put("model", model);
                event.put("event_time", System.currentTimeMillis());
                event.put("features", features);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
                new GenericDatumWriter<GenericRecord>(old).write(event, encoder);
                encoder.flush();
                producer.sendBytes(eventId, row, "entity-" + i,
                        ConfluentWireFormat.frame(id, body.toByteArray()),
                        System.currentTimeMillis());
                rows.put(eventId, row);
            }
            producer.flush();
            sent.putAll(producer.sent());
            producer.sent().keySet().forEach(e -> modelOf.put(e, model));
        }
        return rows;
    }

    /** FeatureEvent as it was before named inputs: no {@code inputs}, no default on features. */
    private static Schema schemaWithoutInputs() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode schema =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                        FeatureEvent.getClassSchema().toString());
        com.fasterxml.jackson.databind.node.ArrayNode fields =
                (com.fasterxml.jackson.databind.node.ArrayNode) schema.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            com.fasterxml.jackson.databind.node.ObjectNode field =
                    (com.fasterxml.jackson.databind.node.ObjectNode) fields.get(i);
            if (field.get("name").asText().equals("inputs")) {
                fields.remove(i);
            } else {
                field.remove("default");
            }
        }
        return new Schema.Parser().parse(json.writeValueAsString(schema));
    }

    /** Each two-input row's outputs from a session of its own, in the order of {@code ids}. */
    private static List<Map<String, Object>> directNamed(
            byte[] bytes, List<String> ids, Map<String, NamedRow> named) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[][] num = new float[ids.size()][];
        boolean strings = named.get(ids.get(0)).cat() instanceof String;
        String[][] catStrings = new String[ids.size()][1];
        long[][] catLongs = new long[ids.size()][1];
        for (int r = 0; r < ids.size(); r++) {
            NamedRow row = named.get(ids.get(r));
            num[r] = row.num();
            if (strings) {
                catStrings[r][0] = (String) row.cat();
            } else {
                catLongs[r][0] = (Long) row.cat();
            }
        }
        try (OnnxTensor n = OnnxTensor.createTensor(env, num);
                OnnxTensor c = strings ? OnnxTensor.createTensor(env, catStrings)
                        : OnnxTensor.createTensor(env, catLongs)) {
            return run(bytes, Map.of("num", n, "cat", c), ids.size());
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
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, input)) {
            return run(bytes, Map.of(ExporterModels.INPUT, tensor), rows.size());
        }
    }

    /** Every output of a plain session run, per row. */
    private static List<Map<String, Object>> run(
            byte[] bytes, Map<String, OnnxTensor> inputs, int rowCount) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int r = 0; r < rowCount; r++) {
            out.add(new LinkedHashMap<>());
        }
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OrtSession.Result result = session.run(inputs)) {
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxValue v = e.getValue();
                if (v instanceof OnnxSequence seq) {
                    // Each map is a native value of its own, made by getValue(): read once.
                    List<? extends OnnxValue> maps = seq.getValue();
                    for (int r = 0; r < rowCount; r++) {
                        out.get(r).put(e.getKey(), ((OnnxMap) maps.get(r)).getValue());
                    }
                    maps.forEach(OnnxValue::close);
                    continue;
                }
                Object values = v.getValue();
                for (int r = 0; r < rowCount; r++) {
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
