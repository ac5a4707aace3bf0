package io.inferflow.model;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelTest {

    @Test
    void scoresBatchesLikeThePlainJavaForwardPass() throws Exception {
        Mlp mlp = Mlp.random(7, 16, 64, 32, 3);
        try (OnnxModel model =
                OnnxModel.load("t", mlp.toOnnx("features"), RuntimeSettings.defaults())) {
            assertEquals(16, model.inputWidth());
            assertEquals(3, model.outputWidth());
            assertEquals("features", model.inputName());
            int rows = 37;
            Random random = new Random(1);
            float[][] data = new float[rows][16];
            FloatBuffer in = direct(rows * 16);
            for (float[] row : data) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) random.nextGaussian();
                }
                in.put(row);
            }
            float[] out = model.score(in, rows);
            assertEquals(rows * 3, out.length);
            for (int r = 0; r < rows; r++) {
                float[] expected = mlp.forward(data[r]);
                for (int j = 0; j < 3; j++) {
                    assertEquals(expected[j], out[r * 3 + j], 1e-5, "row " + r + " output " + j);
                }
            }
        }
    }

    @Test
    void rejectsBytesThatAreNotOnnx() {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> OnnxModel.load(
                                "junk", new byte[] {1, 2, 3, 4}, RuntimeSettings.defaults()));
        assertEquals(LoadFailure.NOT_LOADABLE, e.reason());
        assertTrue(e.getMessage().contains("'junk'"), e.getMessage());
    }

    @Test
    void rejectsZeroIntraOpThreads() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> RuntimeSettings.withIntraOpThreads(0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }

    static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
