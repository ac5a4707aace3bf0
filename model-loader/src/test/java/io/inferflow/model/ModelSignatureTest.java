package io.inferflow.model;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signatures read from real sessions of generated models. */
class ModelSignatureTest {

    private static final byte[] MLP = Mlp.random(3, 6, 4, 2).toOnnx("features");

    @Test
    void readsInputNameWidthAndOutputs() throws Exception {
        assertEquals(
                new ModelSignature("features", 6, List.of("score"), List.of(List.of(2L))),
                inspect(MLP, null, 0));
        assertEquals(
                new ModelSignature(
                        "features", 3, List.of("f", "d", "l", "i"),
                        List.of(List.of(3L), List.of(3L), List.of(3L), List.of(3L))),
                inspect(TestModels.castOutputs(3), "features", 3));
    }

    @Test
    void readsPerRowOutputShapesWithDynamicDimensionsAsMinusOne() throws Exception {
        ModelSignature signature = inspect(TestModels.dynamicAndRank3Outputs(5), null, 0);
        assertEquals(List.of("top", "cube"), signature.outputNames());
        assertEquals(List.of(List.of(-1L), List.of(1L, 5L)), signature.outputShapes());
        // An output whose graph declares no shape gets the one ONNX Runtime infers: here the
        // Reshape's [-1, 5].
        assertEquals(List.of(List.of(5L)),
                inspect(TestModels.failsToRun(4), null, 0).outputShapes());
    }

    @Test
    void isAValueWithItsOwnCopyOfTheOutputs() {
        List<String> outputs = new ArrayList<>(List.of("score"));
        List<Long> shape = new ArrayList<>(List.of(1L));
        ModelSignature signature =
                new ModelSignature("features", 6, outputs, new ArrayList<>(List.of(shape)));
        outputs.add("other");
        shape.add(2L);
        assertEquals(List.of("score"), signature.outputNames());
        assertEquals(List.of(List.of(1L)), signature.outputShapes());
        assertThrows(UnsupportedOperationException.class,
                () -> signature.outputNames().add("x"));
        assertThrows(UnsupportedOperationException.class,
                () -> signature.outputShapes().get(0).add(3L));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> new ModelSignature(
                                "features", 0, List.of("score"), List.of(List.of(1L))));
        assertEquals("input width must be at least 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ModelSignature("features", 6, List.of("score"), List.of()));
    }

    @Test
    void aVersionWithTheSameSignatureKeepsTheContract() throws Exception {
        ModelSignature v3 = inspect(MLP, null, 0);
        ModelSignature v7 = inspect(Mlp.random(4, 6, 9, 2).toOnnx("features"), null, 0);
        assertNull(v7.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
    }

    @Test
    void namesBothSidesOfAnInputThatChanged() throws Exception {
        ModelSignature v3 = inspect(Mlp.random(1, 16, 4, 1).toOnnx("features"), null, 0);
        ModelSignature narrow = inspect(Mlp.random(2, 8, 4, 1).toOnnx("features"), null, 0);
        assertEquals(
                "model 'fraud' v7 takes 8 features, v3 serving now takes 16",
                narrow.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
        ModelSignature renamed = inspect(Mlp.random(2, 16, 4, 1).toOnnx("x"), null, 0);
        assertEquals(
                "model 'fraud' v7's input is named 'x', v3 serving now reads 'features'",
                renamed.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
        ModelSignature both = inspect(Mlp.random(2, 7, 4, 1).toOnnx("x"), null, 0);
        assertEquals(
                "model 'fraud' v7 takes 7 features, v3 serving now takes 16; model 'fraud' v7's"
                        + " input is named 'x', v3 serving now reads 'features'",
                both.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
    }

    @Test
    void namesBothSidesOfOutputsThatChanged() throws Exception {
        ModelSignature v3 = inspect(Mlp.random(1, 3, 4, 3).toOnnx("features"), null, 0);
        ModelSignature twoScores = inspect(Mlp.random(2, 3, 4, 2).toOnnx("features"), null, 0);
        assertEquals(
                "model 'fraud' v7's output 'score' has per-row shape [2], v3 serving now gives [3]",
                twoScores.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
        ModelSignature casts = inspect(TestModels.castOutputs(3), null, 0);
        assertEquals(
                "model 'fraud' v7's outputs are [f, d, l, i], v3 serving now gives [score]",
                casts.incompatibility("model 'fraud' v7", v3, "v3 serving now"));
        ModelSignature dynamic = inspect(TestModels.dynamicAndRank3Outputs(3), null, 0);
        ModelSignature fixed =
                new ModelSignature(
                        "features", 3, List.of("top", "cube"),
                        List.of(List.of(3L), List.of(1L, 3L)));
        assertEquals(
                "model 'fraud' v7's output 'top' has per-row shape [?], v3 serving now gives [3]",
                dynamic.incompatibility("model 'fraud' v7", fixed, "v3 serving now"));
    }

    @Test
    void namesBothSidesOfNamedInputsThatChanged() throws Exception {
        ModelSignature strings = inspect(
                ExporterModels.columnTransformer(1, 2, List.of("a", "b")), null, 0);
        ModelSignature codes = inspect(
                ExporterModels.columnTransformer(1, 2, List.of(1L, 2L)), null, 0);
        assertNull(inspect(ExporterModels.columnTransformer(2, 2, List.of("x", "y", "z")),
                "num,cat", 3).incompatibility("v2", strings, "v1"),
                "other categories and weights, same inputs");
        assertEquals("v2 takes inputs [num: float[2], cat: int64[1]], v1 takes inputs"
                        + " [num: float[2], cat: string[1]]",
                codes.incompatibility("v2", strings, "v1"));
        ModelSignature flat = inspect(Mlp.random(1, 3, 4, 1).toOnnx("num"), null, 0);
        assertEquals("v2 takes inputs [num: float[3]], v1 takes inputs"
                        + " [num: float[2], cat: string[1]]; v2's outputs are [score], v1 gives"
                        + " [output_label, output_probability]",
                flat.incompatibility("v2", strings, "v1"));
        ModelException width = rejected(
                ExporterModels.columnTransformer(1, 2, List.of("a")), "num,cat", 4);
        assertEquals("model 'm': input 'num,cat' has width 3, the descriptor says 4",
                width.getMessage());
    }

    @Test
    void comparesOnlyWhatADeclaredInputKnows() {
        assertNull(ModelSignature.inputIncompatibility("model 'm' v2", "x", 8, "v1", null, 0));
        assertNull(ModelSignature.inputIncompatibility("model 'm' v2", "x", 8, "v1", "x", 0));
        assertEquals(
                "model 'm' v2 takes 8 features, v1 served last takes 16",
                ModelSignature.inputIncompatibility(
                        "model 'm' v2", "x", 8, "v1 served last", null, 16));
        assertEquals(
                "model 'm' v2's input is named 'x', v1 reads 'features'",
                ModelSignature.inputIncompatibility("model 'm' v2", "x", 8, "v1", "features", 8));
    }

    @Test
    void rejectsAnInputThatIsNotFloat32() {
        ModelException e = rejected(TestModels.doubleInput(4), null, 0);
        assertEquals(LoadFailure.WRONG_INPUT_TYPE, e.reason());
        assertEquals("model 'm': input 'features' has type DOUBLE, expected FLOAT (float32),"
                        + " INT64 or STRING",
                e.getMessage());
    }

    @Test
    void rejectsAFixedBatchSize() {
        ModelException e = rejected(TestModels.fixedBatch(4), null, 0);
        assertEquals(LoadFailure.WRONG_INPUT_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("has a fixed batch size 1"), e.getMessage());
    }

    @Test
    void rejectsAnInputOtherThanTheDescriptorSays() {
        ModelException name = rejected(MLP, "x", 0);
        assertEquals(LoadFailure.WRONG_INPUT_NAME, name.reason());
        assertEquals("model 'm': input is named 'features', the descriptor says 'x'",
                name.getMessage());
        ModelException width = rejected(MLP, "features", 7);
        assertEquals(LoadFailure.WRONG_INPUT_WIDTH, width.reason());
        assertEquals("model 'm': input 'features' has width 6, the descriptor says 7",
                width.getMessage());
    }

    private static ModelSignature inspect(byte[] model, String name, int width)
            throws Exception {
        try (OrtSession session = OnnxRuntimeEnvironment.get().createSession(model)) {
            ModelSignature.checkInputs("model 'm'", session);
            return ModelSignature.inspect("model 'm'", session,
                    OutputLayout.inspect("model 'm'", session, model), name, width);
        }
    }

    private static ModelException rejected(byte[] model, String name, int width) {
        return assertThrows(ModelException.class, () -> inspect(model, name, width));
    }
}
