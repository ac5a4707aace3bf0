package io.inferflow.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Creating, inspecting and warming up sessions on the CPU; {@link DeviceSelectionTest} covers
 * the device policy.
 */
class SessionFactoryTest {

    @Test
    void opensAWarmedUpModelWithItsSignatureAndOutputWidth() throws Exception {
        try (OnnxModel model = open(TestModels.castOutputs(3), "features", 3)) {
            assertEquals("features", model.inputName());
            assertEquals(3, model.inputWidth());
            assertEquals(12, model.outputWidth());
            assertEquals(ExecutionProvider.CPU, model.executionProvider());
            assertNull(model.cudaFallback());
        }
    }

    @Test
    void rejectsBytesOnnxRuntimeCannotLoad() {
        ModelException e =
                assertThrows(ModelException.class, () -> open(new byte[] {7, 7, 7}, null, 0));
        assertEquals(LoadFailure.NOT_LOADABLE, e.reason());
        assertTrue(e.getMessage().startsWith("model 'm': ONNX Runtime cannot load it: "),
                e.getMessage());
    }

    @Test
    void rejectsAModelWhoseSignatureIsWrong() {
        ModelException e =
                assertThrows(ModelException.class,
                        () -> open(Mlp.random(1, 4, 1).toOnnx("features"), "features", 5));
        assertEquals(LoadFailure.WRONG_INPUT_WIDTH, e.reason());
    }

    @Test
    void rejectsAModelWhoseWarmUpRunFails() {
        ModelException e =
                assertThrows(ModelException.class, () -> open(TestModels.failsToRun(4), null, 0));
        assertEquals(LoadFailure.WARM_UP_FAILED, e.reason());
        assertTrue(e.getMessage().startsWith(
                        "model 'm': the warm-up run on one row of zeros failed: model 'm':"
                                + " inference failed: "),
                e.getMessage());
    }

    private static OnnxModel open(byte[] bytes, String inputName, int inputWidth)
            throws ModelException {
        return SessionFactory.of(RuntimeSettings.defaults())
                .open("model 'm'", bytes, inputName, inputWidth);
    }
}
