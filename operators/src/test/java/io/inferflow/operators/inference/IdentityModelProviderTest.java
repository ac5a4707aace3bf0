package io.inferflow.operators.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferflow.model.Scorer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

class IdentityModelProviderTest {

    @Test
    void returnsTheFirstOutputWidthFeaturesOfEachRow() throws Exception {
        Scorer scorer =
                new IdentityModelProvider(3, 1).acquire(Models.descriptor("id", 1)).scorer();
        FloatBuffer input = FloatBuffer.wrap(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 99f});

        assertEquals(3, scorer.inputWidth());
        assertEquals(1, scorer.outputWidth());
        assertArrayEquals(new float[] {1f, 4f}, scorer.score(input, 2));
    }

    @Test
    void padsWithZerosWhenOutputIsWiderThanInput() throws Exception {
        Scorer scorer =
                new IdentityModelProvider(2, 3).acquire(Models.descriptor("id", 1)).scorer();
        FloatBuffer input = FloatBuffer.wrap(new float[] {1f, 2f, 3f, 4f});

        assertArrayEquals(new float[] {1f, 2f, 0f, 3f, 4f, 0f}, scorer.score(input, 2));
    }

    @Test
    void rejectsWidthBelowOne() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new IdentityModelProvider(0, 1));
        assertEquals("input width must be at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IdentityModelProvider(4, 0));
        assertEquals("output width must be at least 1, got 0", e.getMessage());
    }
}
