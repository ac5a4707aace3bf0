package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

    @Test
    void buildsFromBuilderAndFactory() {
        ModelSpec built =
                ModelSpec.builder().name("fraud").version(3).uri("/models/fraud.onnx").build();

        assertEquals("fraud", built.name());
        assertEquals(3L, built.version());
        assertEquals("/models/fraud.onnx", built.uri());
        assertEquals("'fraud' v3", built.toString());
        assertEquals(built, ModelSpec.of("fraud", 3, "/models/fraud.onnx"));
    }

    @Test
    void survivesJavaSerializationAsPartOfTheJobGraph() throws Exception {
        ModelSpec spec = ModelSpec.of("fraud", 3, "s3://models/fraud.onnx");
        byte[] bytes = InstantiationUtil.serializeObject(spec);
        assertEquals(
                spec, InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader()));
    }

    @Test
    void rejectsEmptyName() {
        assertMessage("model name must not be empty, got ''", () -> ModelSpec.of("", 1, "f"));
        assertMessage("model name must not be empty, got null", () -> ModelSpec.of(null, 1, "f"));
        assertMessage(
                "model name must not start or end with whitespace, got 'fraud '",
                () -> ModelSpec.of("fraud ", 1, "f"));
    }

    @Test
    void rejectsVersionBelowOne() {
        assertMessage(
                "model 'fraud': version must be at least 1, got 0",
                () -> ModelSpec.of("fraud", 0, "f"));
    }

    @Test
    void rejectsEmptyUri() {
        assertMessage(
                "model 'fraud' v2: uri must not be empty, got ' '",
                () -> ModelSpec.of("fraud", 2, " "));
    }

    private static void assertMessage(String message, Runnable build) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, build::run);
        assertEquals(message, e.getMessage());
    }
}
