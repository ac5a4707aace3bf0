package io.inferflow.model;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signatures read from real sessions of generated models. */
class ModelSignatureTest {

    private static final byte[] MLP = Mlp.random(3, 6, 4, 2).toOnnx("features");

    @Test
    void readsInputNameWidthAndOutputs() throws Exception {
        assertEquals(
                new ModelSignature("features", 6, List.of("score")), inspect(MLP, null, 0));
        assertEquals(
                new ModelSignature("features", 3, List.of("f", "d", "l", "i")),
                inspect(TestModels.castOutputs(3), "features", 3));
    }

    @Test
    void isAValueWithItsOwnCopyOfTheOutputs() {
        List<String> outputs = new ArrayList<>(List.of("score"));
        ModelSignature signature = new ModelSignature("features", 6, outputs);
        outputs.add("other");
        assertEquals(List.of("score"), signature.outputNames());
        assertThrows(UnsupportedOperationException.class,
                () -> signature.outputNames().add("x"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> new ModelSignature("features", 0, List.of("score")));
        assertEquals("input width must be at least 1, got 0", e.getMessage());
    }

    @Test
    void rejectsAnInputThatIsNotFloat32() {
        ModelException e = rejected(TestModels.doubleInput(4), null, 0);
        assertEquals(LoadFailure.WRONG_INPUT_TYPE, e.reason());
        assertEquals("model 'm': input 'features' has type DOUBLE, expected FLOAT (float32)",
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
            return ModelSignature.inspect("model 'm'", session, name, width);
        }
    }

    private static ModelException rejected(byte[] model, String name, int width) {
        return assertThrows(ModelException.class, () -> inspect(model, name, width));
    }
}
