package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferflow.model.Scorer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

class IdentityScorerFactoryTest {

    @Test
    void returnsTheFirstOutputWidthFeaturesOfEachRow() throws Exception {
        Scorer scorer = new IdentityScorerFactory(3, 1).create(ModelSpec.of("id", 1, "identity"));
        FloatBuffer input = FloatBuffer.wrap(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 99f});

        assertEquals(3, scorer.inputWidth());
        assertEquals(1, scorer.outputWidth());
        assertArrayEquals(new float[] {1f, 4f}, scorer.score(input, 2));
    }

    @Test
    void padsWithZerosWhenOutputIsWiderThanInput() throws Exception {
        Scorer scorer = new IdentityScorerFactory(2, 3).create(ModelSpec.of("id", 1, "identity"));
        FloatBuffer input = FloatBuffer.wrap(new float[] {1f, 2f, 3f, 4f});

        assertArrayEquals(new float[] {1f, 2f, 0f, 3f, 4f, 0f}, scorer.score(input, 2));
    }

    @Test
    void rejectsWidthBelowOne() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new IdentityScorerFactory(0, 1));
        assertEquals("input width must be at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IdentityScorerFactory(4, 0));
        assertEquals("output width must be at least 1, got 0", e.getMessage());
    }
}
