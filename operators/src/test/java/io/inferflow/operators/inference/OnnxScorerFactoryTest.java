package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.ModelException;
import io.inferflow.model.Mlp;
import io.inferflow.model.RuntimeOptions;
import io.inferflow.model.Scorer;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

class OnnxScorerFactoryTest {

    @TempDir Path dir;

    @Test
    void operatorWithRealOnnxModelMatchesMlpForward() throws Exception {
        Mlp mlp = Mlp.random(42L, 8, 16, 3);
        Path file = dir.resolve("risk-2.onnx");
        Files.write(file, mlp.toOnnx("features"));
        ModelSpec spec = ModelSpec.of("risk", 2, file.toString());
        BatchingOptions batching =
                BatchingOptions.builder().maxSize(4).maxDelay(Duration.ofHours(1)).build();
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(spec), new OnnxScorerFactory(RuntimeOptions.defaults()), batching);

        Random random = new Random(7);
        List<float[]> rows = new ArrayList<>();
        try (OneInputStreamOperatorTestHarness<DecodedEvent, Prediction> harness =
                new OneInputStreamOperatorTestHarness<>(operator)) {
            harness.open();
            for (int i = 0; i < 10; i++) {
                float[] row = new float[8];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) random.nextGaussian();
                }
                rows.add(row);
                harness.processElement(
                        MicroBatchInferenceOperatorTest.event("e" + i, "risk", row), 0L);
            }
            harness.endInput();

            List<Prediction> out = harness.extractOutputValues();
            assertEquals(10, out.size());
            for (int i = 0; i < 10; i++) {
                Prediction p = out.get(i);
                assertEquals("e" + i, p.getEventId());
                assertEquals(2L, p.getModelVersion());
                float[] expected = mlp.forward(rows.get(i));
                assertEquals(expected.length, p.getScores().size());
                for (int k = 0; k < expected.length; k++) {
                    assertEquals(expected[k], p.getScores().get(k), 1e-5, "row " + i + " out " + k);
                }
            }
            assertEquals(3, operator.metrics().batches());
        }
    }

    @Test
    void loadsModelFromFileUri() throws Exception {
        Mlp mlp = Mlp.random(1L, 4, 2);
        Path file = dir.resolve("small.onnx");
        Files.write(file, mlp.toOnnx("x"));
        ModelSpec spec = ModelSpec.of("small", 1, file.toUri().toString());

        try (Scorer scorer = new OnnxScorerFactory(RuntimeOptions.defaults()).create(spec)) {
            assertEquals(4, scorer.inputWidth());
            assertEquals(2, scorer.outputWidth());
        }
    }

    @Test
    void failsWithReasonWhenFileIsMissing() {
        String missing = dir.resolve("nope.onnx").toString();
        ModelSpec spec = ModelSpec.of("fraud", 3, missing);

        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> new OnnxScorerFactory(RuntimeOptions.defaults()).create(spec));
        assertEquals("READ_FAILED", e.reason());
        assertTrue(
                e.getMessage().startsWith("model 'fraud' v3: cannot read '" + missing + "': "),
                e.getMessage());
    }
}
