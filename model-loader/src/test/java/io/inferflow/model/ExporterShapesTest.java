package io.inferflow.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Models in the shapes skl2onnx writes ({@link ExporterModels}), loaded and scored by {@link
 * OnnxModel}: every named output equals what ONNX Runtime returns when the same rows are run on
 * a session directly, the ZipMap probabilities come in the ZipMap's class order, and the label
 * and probabilities are found.
 */
class ExporterShapesTest {

    private static final int FEATURES = 6;
    private static final int ROWS = 37;

    @Test
    void forestWithZipMapServesItsLabelAndProbabilitiesInClassOrder() throws Exception {
        List<Long> classes = List.of(3L, 1L, 7L);
        byte[] bytes = ExporterModels.forestClassifier(5, FEATURES, classes, 10, 4, true);
        try (OnnxModel model = OnnxModel.load("rf", bytes, RuntimeSettings.defaults())) {
            OutputLayout layout = model.layout();
            assertEquals(List.of("output_label", "output_probability"),
                    model.signature().outputNames());
            assertEquals(OutputSpec.Kind.CLASS_MAP, layout.outputs().get(1).kind());
            assertEquals(List.of("3", "1", "7"), layout.classes(), "the ZipMap's order");
            assertEquals(0, layout.label());
            assertEquals(1, layout.probabilities());
            assertEquals(1 + 3, model.outputWidth(), "label + three probabilities");

            float[][] rows = rows(11);
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            Map<String, Object> direct = direct(bytes, rows);
            long[] labels = (long[]) direct.get("output_label");
            List<Map<Long, Float>> maps = castMaps(direct.get("output_probability"));
            for (int r = 0; r < ROWS; r++) {
                assertEquals(labels[r], (long) batch.columns().get(0).values()[r], "label row " + r);
                for (int c = 0; c < 3; c++) {
                    float expected = maps.get(r).get(classes.get(c));
                    assertEquals(expected, batch.columns().get(1).values()[r * 3 + c], 1e-6);
                    assertEquals(expected, batch.scores()[r * 4 + 1 + c], 1e-6);
                }
            }
        }
    }

    @Test
    void forestWithoutZipMapNamesItsProbabilitiesFromTheClassifierNode() throws Exception {
        byte[] bytes = ExporterModels.forestClassifier(6, FEATURES, List.of(0L, 1L), 5, 3, false);
        try (OnnxModel model = OnnxModel.load("rf", bytes, RuntimeSettings.defaults())) {
            OutputLayout layout = model.layout();
            assertEquals(List.of(List.of(), List.of(2L)), model.signature().outputShapes());
            assertEquals(1, layout.probabilities());
            assertEquals(List.of("0", "1"), layout.classes());
            float[][] rows = rows(12);
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            float[][] probabilities = (float[][]) direct(bytes, rows).get("output_probability");
            for (int r = 0; r < ROWS; r++) {
                assertArrayEquals(probabilities[r], slice(batch.columns().get(1).values(), r, 2),
                        1e-6f);
            }
        }
    }

    @Test
    void stringLabelledForestServesStringLabels() throws Exception {
        List<String> classes = List.of("cat", "dog", "fish");
        byte[] bytes = ExporterModels.forestClassifier(7, FEATURES, classes, 8, 3, true);
        try (OnnxModel model = OnnxModel.load("pets", bytes, RuntimeSettings.defaults())) {
            assertEquals(OutputSpec.Kind.STRING, model.layout().outputs().get(0).kind());
            assertEquals(3, model.outputWidth(), "strings are not scores");
            float[][] rows = rows(13);
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            String[] labels = (String[]) direct(bytes, rows).get("output_label");
            assertArrayEquals(labels, batch.columns().get(0).strings());
            assertTrue(List.of(labels).stream().allMatch(classes::contains));
        }
    }

    @Test
    void boostedRegressorAndLogisticRegressionScoreAsOrtDoes() throws Exception {
        byte[] gbt = ExporterModels.boostedRegressor(8, FEATURES, 20, 3);
        byte[] logistic = ExporterModels.logisticRegression(9, FEATURES);
        float[][] rows = rows(14);
        try (OnnxModel model = OnnxModel.load("gbt", gbt, RuntimeSettings.defaults())) {
            assertEquals(-1, model.layout().label());
            float[][] expected = (float[][]) direct(gbt, rows).get("variable");
            float[] scores = model.score(buffer(rows), ROWS);
            for (int r = 0; r < ROWS; r++) {
                assertEquals(expected[r][0], scores[r], 1e-6);
            }
        }
        try (OnnxModel model = OnnxModel.load("lr", logistic, RuntimeSettings.defaults())) {
            assertEquals(List.of("0", "1"), model.layout().classes());
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            List<Map<Long, Float>> maps = castMaps(direct(logistic, rows).get("output_probability"));
            for (int r = 0; r < ROWS; r++) {
                float[] p = slice(batch.columns().get(1).values(), r, 2);
                assertEquals(maps.get(r).get(0L), p[0], 1e-6);
                assertEquals(maps.get(r).get(1L), p[1], 1e-6);
                assertEquals(1f, p[0] + p[1], 1e-5, "normalized");
            }
        }
    }

    @Test
    void boostedClassifiersInSkl2onnxAndXgboostFormsServeLabelAndProbabilities()
            throws Exception {
        float[][] rows = rows(15);
        byte[] skl = ExporterModels.boostedClassifier(16, FEATURES, 15, 3, false);
        try (OnnxModel model = OnnxModel.load("gbc", skl, RuntimeSettings.defaults())) {
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            Map<String, Object> direct = direct(skl, rows);
            List<Map<Long, Float>> maps = castMaps(direct.get("output_probability"));
            long[] labels = (long[]) direct.get("output_label");
            for (int r = 0; r < ROWS; r++) {
                assertEquals(labels[r], (long) batch.columns().get(0).values()[r]);
                assertEquals(maps.get(r).get(1L), batch.columns().get(1).values()[r * 2 + 1],
                        1e-6);
            }
        }
        byte[] xgb = ExporterModels.boostedClassifier(17, FEATURES, 15, 3, true);
        try (OnnxModel model = OnnxModel.load("xgb", xgb, RuntimeSettings.defaults())) {
            OutputLayout layout = model.layout();
            assertEquals(List.of("label", "probabilities"), model.signature().outputNames());
            assertEquals(0, layout.label());
            assertEquals(1, layout.probabilities(), "named from the ensemble's classes");
            ScoredBatch batch = model.scoreBatch(buffer(rows), ROWS);
            float[][] probabilities = (float[][]) direct(xgb, rows).get("probabilities");
            for (int r = 0; r < ROWS; r++) {
                assertArrayEquals(probabilities[r], slice(batch.columns().get(1).values(), r, 2),
                        1e-6f);
                assertEquals(1f, probabilities[r][0] + probabilities[r][1], 1e-5);
            }
        }
    }

    @Test
    void columnTransformerWithAStringCategoryScoresItsTwoInputsAsOrtDoes() throws Exception {
        List<String> colors = List.of("red", "green", "blue");
        byte[] bytes = ExporterModels.columnTransformer(21, 2, colors);
        try (OnnxModel model = OnnxModel.load("ct", bytes, RuntimeSettings.defaults())) {
            assertEquals(List.of(new InputSpec("num", InputSpec.Kind.FLOAT, 2, false),
                            new InputSpec("cat", InputSpec.Kind.STRING, 1, false)),
                    model.signature().inputs());
            assertEquals("num,cat", model.inputName());
            assertEquals(3, model.inputWidth());
            assertEquals(false, model.signature().flat());
            float[][] num = new float[ROWS][2];
            String[][] cat = new String[ROWS][1];
            Random random = new Random(3);
            InputBatch batch = InputBatch.allocate(model.signature().inputs(), 4);
            batch.clear(ROWS);
            for (int r = 0; r < ROWS; r++) {
                num[r][0] = (float) random.nextGaussian();
                num[r][1] = (float) random.nextGaussian();
                // Row 5 has a category the encoder never saw: all zeros, still scored.
                cat[r][0] = r == 5 ? "purple" : colors.get(random.nextInt(3));
                batch.floats(0).put(num[r]);
                batch.putString(1, cat[r][0]);
            }
            ScoredBatch scored = model.scoreInputs(batch, ROWS);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OnnxTensor n = OnnxTensor.createTensor(env, num);
                    OnnxTensor c = OnnxTensor.createTensor(env, cat)) {
                assertScoredAsDirect(bytes, Map.of("num", n, "cat", c), scored);
            }
            float[] numeric = batch.numericRows(ROWS);
            assertEquals(2 * ROWS, numeric.length, "drift counts the float input only");
            assertArrayEquals(num[9], slice(numeric, 9, 2));
            ModelException flat = assertThrows(ModelException.class,
                    () -> model.scoreBatch(buffer(rows(1)), 1));
            assertTrue(flat.getMessage().contains(
                    "takes inputs [num: float[2], cat: string[1]], not one row-major float32"
                            + " buffer"), flat.getMessage());
        }
    }

    @Test
    void columnTransformerWithAnInt64CategoryScoresAsOrtDoes() throws Exception {
        List<Long> regions = List.of(10L, 20L, 30L, 40L);
        byte[] bytes = ExporterModels.columnTransformer(22, 3, regions);
        try (OnnxModel model = OnnxModel.load("ct", bytes, RuntimeSettings.defaults())) {
            assertEquals(new InputSpec("cat", InputSpec.Kind.INT64, 1, false),
                    model.signature().inputs().get(1));
            float[][] num = new float[ROWS][3];
            long[][] cat = new long[ROWS][1];
            Random random = new Random(4);
            InputBatch batch = InputBatch.allocate(model.signature().inputs(), ROWS);
            batch.clear(ROWS);
            for (int r = 0; r < ROWS; r++) {
                for (int i = 0; i < 3; i++) {
                    num[r][i] = (float) random.nextGaussian();
                }
                cat[r][0] = regions.get(random.nextInt(4));
                batch.floats(0).put(num[r]);
                batch.longs(1).put(cat[r][0]);
            }
            ScoredBatch scored = model.scoreInputs(batch, ROWS);
            float[] numeric = batch.numericRows(ROWS);
            assertEquals(4 * ROWS, numeric.length, "3 floats and the int64 code per row");
            assertEquals((float) cat[7][0], numeric[7 * 4 + 3]);
            assertEquals(num[7][2], numeric[7 * 4 + 2]);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OnnxTensor n = OnnxTensor.createTensor(env, num);
                    OnnxTensor c = OnnxTensor.createTensor(env, cat)) {
                assertScoredAsDirect(bytes, Map.of("num", n, "cat", c), scored);
            }
        }
    }

    /** The label and ZipMap probabilities equal a direct session run on the same inputs. */
    private static void assertScoredAsDirect(
            byte[] bytes, Map<String, OnnxTensor> inputs, ScoredBatch scored) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OrtSession.Result result = session.run(inputs)) {
            long[] labels = (long[]) result.get("output_label").get().getValue();
            OnnxSequence seq = (OnnxSequence) result.get("output_probability").get();
            List<? extends OnnxValue> maps = seq.getValue();
            for (int r = 0; r < ROWS; r++) {
                assertEquals(labels[r], (long) scored.columns().get(0).values()[r], "label " + r);
                @SuppressWarnings("unchecked")
                Map<Long, Float> p = (Map<Long, Float>) ((OnnxMap) maps.get(r)).getValue();
                assertEquals(p.get(0L), scored.columns().get(1).values()[r * 2], 1e-6);
                assertEquals(p.get(1L), scored.columns().get(1).values()[r * 2 + 1], 1e-6);
            }
            maps.forEach(OnnxValue::close);
        }
    }

    @Test
    void anOutputWithAFixedFirstDimensionIsRejectedAtLoad() {
        byte[] bytes = withExtraFixedOutput(ExporterModels.boostedRegressor(10, FEATURES, 3, 2));
        ModelException e = assertThrows(ModelException.class,
                () -> OnnxModel.load("fixed", bytes, RuntimeSettings.defaults()));
        assertEquals(LoadFailure.WRONG_OUTPUT_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("output 'weights' has shape [3], a fixed first"
                + " dimension of 3; every output's first dimension must be the batch"),
                e.getMessage());
    }

    // --- helpers

    /** The model with a second output 'weights' float [3], a constant: not per row. */
    private static byte[] withExtraFixedOutput(byte[] bytes) {
        try {
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(bytes);
            OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder()
                    .addInitializer(OnnxMl.TensorProto.newBuilder().setName("w")
                            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                            .addDims(3).addFloatData(1).addFloatData(2).addFloatData(3))
                    .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity")
                            .addInput("w").addOutput("weights"))
                    .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("weights")
                            .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                                    OnnxMl.TypeProto.Tensor.newBuilder()
                                            .setElemType(OnnxMl.TensorProto.DataType.FLOAT
                                                    .getNumber())
                                            .setShape(OnnxMl.TensorShapeProto.newBuilder()
                                                    .addDim(OnnxMl.TensorShapeProto.Dimension
                                                            .newBuilder().setDimValue(3))))));
            return model.toBuilder().setGraph(graph).build().toByteArray();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static float[][] rows(long seed) {
        Random random = new Random(seed);
        float[][] rows = new float[ROWS][FEATURES];
        for (float[] row : rows) {
            for (int i = 0; i < FEATURES; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    private static FloatBuffer buffer(float[][] rows) {
        FloatBuffer buffer = ByteBuffer.allocateDirect(ROWS * FEATURES * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (float[] row : rows) {
            buffer.put(row);
        }
        buffer.flip();
        return buffer;
    }

    /** Every output of a plain ONNX Runtime session run on the rows, as Java values. */
    private static Map<String, Object> direct(byte[] bytes, float[][] rows) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, Object> out = new java.util.HashMap<>();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, rows);
                OrtSession.Result result =
                        session.run(Map.of(ExporterModels.INPUT, input))) {
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxValue v = e.getValue();
                if (v instanceof OnnxSequence seq) {
                    List<Map<?, ?>> maps = new java.util.ArrayList<>();
                    List<? extends OnnxValue> values = seq.getValue();
                    for (OnnxValue m : values) {
                        maps.add(((OnnxMap) m).getValue());
                    }
                    values.forEach(OnnxValue::close);
                    out.put(e.getKey(), maps);
                } else {
                    out.put(e.getKey(), v.getValue());
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<Long, Float>> castMaps(Object maps) {
        return (List<Map<Long, Float>>) maps;
    }

    private static float[] slice(float[] values, int row, int per) {
        float[] out = new float[per];
        System.arraycopy(values, row * per, out, 0, per);
        return out;
    }
}
