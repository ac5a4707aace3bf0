package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferflow.model.Scorer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

class IdentityScorerFactoryTest {

    @Test
    void returnsFeaturesUnchanged() throws Exception {
        Scorer scorer = new IdentityScorerFactory(2).create(ModelSpec.of("id", 1, "identity"));
        FloatBuffer input = FloatBuffer.wrap(new float[] {1f, 2f, 3f, 4f, 99f});

        assertEquals(2, scorer.inputWidth());
        assertEquals(2, scorer.outputWidth());
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, scorer.score(input, 2));
    }

    @Test
    void rejectsWidthBelowOne() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new IdentityScorerFactory(0));
        assertEquals("width must be at least 1, got 0", e.getMessage());
    }
}
