package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.Scorer;

import java.nio.FloatBuffer;

/**
 * Runs no model, for measuring the pipeline alone (the pass-through benchmark): each row's scores
 * are its first {@code outputWidth} features (zero-padded when the row is narrower), so
 * predictions have the same size as the real model's. The descriptor's URI is not read.
 */
public final class IdentityModelProvider implements ModelProvider {

    private static final long serialVersionUID = 1L;

    private final int inputWidth;
    private final int outputWidth;

    public IdentityModelProvider(int inputWidth, int outputWidth) {
        if (inputWidth < 1) {
            throw new IllegalArgumentException("input width must be at least 1, got " + inputWidth);
        }
        if (outputWidth < 1) {
            throw new IllegalArgumentException(
                    "output width must be at least 1, got " + outputWidth);
        }
        this.inputWidth = inputWidth;
        this.outputWidth = outputWidth;
    }

    @Override
    public ModelHandle acquire(ModelDescriptor descriptor) {
        IdentityScorer scorer = new IdentityScorer(inputWidth, outputWidth);
        return new ModelHandle() {
            @Override
            public Scorer scorer() {
                return scorer;
            }

            @Override
            public long loadMillis() {
                return 0;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public String toString() {
        return "IdentityModelProvider{inputWidth=" + inputWidth + ", outputWidth=" + outputWidth
                + '}';
    }

    static final class IdentityScorer implements Scorer {

        private final int inputWidth;
        private final int outputWidth;

        IdentityScorer(int inputWidth, int outputWidth) {
            this.inputWidth = inputWidth;
            this.outputWidth = outputWidth;
        }

        @Override
        public int inputWidth() {
            return inputWidth;
        }

        @Override
        public int outputWidth() {
            return outputWidth;
        }

        @Override
        public float[] score(FloatBuffer input, int rows) {
            float[] out = new float[rows * outputWidth];
            int copied = Math.min(inputWidth, outputWidth);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < copied; i++) {
                    out[r * outputWidth + i] = input.get(r * inputWidth + i);
                }
            }
            return out;
        }

        @Override
        public void close() {}
    }
}
