package io.inferflow.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Real runs of a generated model whose outputs are FLOAT, DOUBLE, INT64 and INT32. */
class OutputReaderTest {

    private static final float[][] ROWS = {{1.5f, -2f}, {3f, 4.75f}};

    @Test
    void interleavesTheOutputsRowByRowAsFloats() throws Exception {
        float[] expected = {
            1.5f, -2f, 1.5f, -2f, 1f, -2f, 1f, -2f,
            3f, 4.75f, 3f, 4.75f, 3f, 4f, 3f, 4f
        };
        assertArrayEquals(expected, flattened(TestModels.castOutputs(2)));
    }

    @Test
    void passesASingleOutputThrough() throws Exception {
        Mlp mlp = Mlp.random(9, 2, 3);
        float[] first = mlp.forward(ROWS[0]);
        float[] second = mlp.forward(ROWS[1]);
        float[] expected = {first[0], first[1], first[2], second[0], second[1], second[2]};
        assertArrayEquals(expected, flattened(mlp.toOnnx("features")), 1e-6f);
    }

    private static float[] flattened(byte[] model) throws Exception {
        OrtEnvironment env = OnnxRuntimeEnvironment.get();
        try (OrtSession session = env.createSession(model);
                OnnxTensor input = OnnxTensor.createTensor(env, ROWS);
                OrtSession.Result result = session.run(Map.of("features", input))) {
            String label = "model 'm'";
            return OutputReader.read(label, result, OutputLayout.inspect(label, session, model),
                    ROWS.length).scores();
        }
    }
}
