package io.inferflow.model.profile;

import io.inferflow.model.ExporterModels;
import io.inferflow.model.Hashes;
import io.inferflow.model.InputBatch;
import io.inferflow.model.Mlp;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileBuilderTest {

    private static final Mlp MLP = Mlp.random(5, 4, 8, 1);
    private static final byte[] MODEL = MLP.toOnnx("features");

    private static float[][] gaussianRows(int n, int width, long seed) {
        Random random = new Random(seed);
        float[][] rows = new float[n][width];
        for (float[] row : rows) {
            for (int i = 0; i < width; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    @Test
    void profilesEveryFeatureAndTheScoreOfAGeneratedModel() throws Exception {
        float[][] rows = gaussianRows(1_000, 4, 1);
        ReferenceProfile profile = ProfileBuilder.build(MODEL, rows, 10);
        assertEquals(4, profile.featureCount());
        assertEquals(List.of("f0", "f1", "f2", "f3"),
                profile.features().stream().map(FeatureProfile::name).toList());
        assertEquals(1_000, profile.rowCount());
        assertEquals(Hashes.sha256Hex(MODEL), profile.modelSha256());
        assertEquals(1, profile.scores().size());
        FeatureProfile score = profile.scores().get(0);
        assertEquals("score", score.name());
        double mean = 0;
        for (float[] row : rows) {
            mean += MLP.forward(row)[0];
        }
        assertEquals(mean / rows.length, score.mean(), 1e-5, "scores come from the model");
        for (double p : profile.features().get(2).proportions()) {
            assertEquals(0.1, p, 1e-9);
        }
    }

    @Test
    void profilesEachOutputOfANarrowModelUnderItsOwnName() throws Exception {
        byte[] model = Mlp.random(6, 4, 3).toOnnx("features");
        ReferenceProfile profile =
                ProfileBuilder.build(
                        model, List.of("a", "b", "c", "d"), gaussianRows(600, 4, 2), 5);
        assertEquals(List.of("score0", "score1", "score2"),
                profile.scores().stream().map(FeatureProfile::name).toList());
        assertEquals("d", profile.features().get(3).name());
        assertEquals(4, profile.features().get(0).edges().length);
    }

    @Test
    void profilesATwoInputPipelineByItsNumericInputsWithScoresNamedByOutputAndClass()
            throws Exception {
        byte[] model = ExporterModels.columnTransformer(3, 2, List.of("red", "green", "blue"));
        List<String> header = List.of("cat", "num[0]", "note", "num[1]");
        Random random = new Random(4);
        List<List<String>> cells = new ArrayList<>();
        InputBatch direct;
        float[] p1;
        try (OnnxModel onnx = OnnxModel.load("ct", model, RuntimeSettings.defaults())) {
            direct = InputBatch.allocate(onnx.signature().inputs(), 500);
            direct.clear(500);
            for (int r = 0; r < 500; r++) {
                float a = (float) random.nextGaussian();
                float b = (float) random.nextGaussian();
                String cat = List.of("red", "green", "blue").get(random.nextInt(3));
                cells.add(List.of(cat, Float.toString(a), "ignored", Float.toString(b)));
                direct.floats(0).put(a).put(b);
                direct.putString(1, cat);
            }
            p1 = onnx.scoreInputs(direct, 500).scores();
        }
        ReferenceProfile profile = ProfileBuilder.buildFromCells(model, header, cells, 5);
        assertEquals(List.of("num[0]", "num[1]"),
                profile.features().stream().map(FeatureProfile::name).toList(),
                "the numeric input values, not the string category");
        assertEquals(List.of("output_label", "output_probability[0]", "output_probability[1]"),
                profile.scores().stream().map(FeatureProfile::name).toList());
        double mean = 0;
        for (int r = 0; r < 500; r++) {
            mean += p1[r * 3 + 2];
        }
        assertEquals(mean / 500, profile.scores().get(2).mean(), 1e-5);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ProfileBuilder.buildFromCells(
                        model, List.of("num[0]", "num[1]"), List.of(List.of("1", "2")), 5));
        assertEquals("the model's input cat: string[1] needs column 'cat'; the header has"
                + " [num[0], num[1]]", missing.getMessage());
        byte[] codes = ExporterModels.columnTransformer(3, 1, List.of(1L, 2L));
        IllegalArgumentException notInt = assertThrows(IllegalArgumentException.class,
                () -> ProfileBuilder.buildFromCells(
                        codes, List.of("num", "cat"), List.of(List.of("1", "x2")), 5));
        assertEquals("row 1 column 'cat': 'x2' is not an integer (the input is int64)",
                notInt.getMessage());
    }

    @Test
    void namesAForestsScoresByLabelAndClass() throws Exception {
        byte[] forest = ExporterModels.forestClassifier(2, 4, List.of(3L, 1L), 5, 3, true);
        ReferenceProfile profile = ProfileBuilder.build(forest, gaussianRows(300, 4, 3), 5);
        assertEquals(List.of("output_label", "output_probability[3]", "output_probability[1]"),
                profile.scores().stream().map(FeatureProfile::name).toList());
    }

    @Test
    void rejectsARowOfTheWrongWidthNamingIt() {
        float[][] rows = gaussianRows(20, 4, 3);
        rows[17] = new float[8];
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ProfileBuilder.build(MODEL, rows, 10));
        assertEquals("row 17 has 8 values, the model takes 4", e.getMessage());
    }

    @Test
    void rejectsNamesThatDoNotMatchTheWidth() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ProfileBuilder.build(
                                MODEL, List.of("a", "b"), gaussianRows(5, 4, 4), 10));
        assertEquals("got 2 feature names [a, b], the model takes 4 features", e.getMessage());
    }

    @Test
    void rejectsNoRowsAndBadBinCounts() {
        IllegalArgumentException none =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ProfileBuilder.build(MODEL, new float[0][], 10));
        assertEquals("no rows to profile; expected at least one", none.getMessage());
        IllegalArgumentException bins =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ProfileBuilder.build(MODEL, gaussianRows(5, 4, 5), 0));
        assertEquals("bins must be between 2 and 1000, got 0", bins.getMessage());
    }

    @Test
    void rejectsBytesThatAreNotAModel() {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> ProfileBuilder.build(
                                new byte[] {1, 2, 3}, gaussianRows(5, 4, 6), 10));
        assertTrue(e.getMessage().contains("cannot load"), e.getMessage());
    }
}
