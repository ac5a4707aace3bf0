package io.inferflow.operators.inference;

import io.inferflow.model.Scorer;

import java.nio.FloatBuffer;

/**
 * Creates scorers that run no model, for measuring the pipeline alone (the pass-through
 * benchmark): each row's scores are its first {@code outputWidth} features (zero-padded when the
 * row is narrower), so predictions have the same size as the real model's. The spec's URI is not
 * read.
 */
public final class IdentityScorerFactory implements ScorerFactory {

    private static final long serialVersionUID = 1L;

    private final int inputWidth;
    private final int outputWidth;

    public IdentityScorerFactory(int inputWidth, int outputWidth) {
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
    public Scorer create(ModelSpec spec) {
        return new IdentityScorer(inputWidth, outputWidth);
    }

    private static final class IdentityScorer implements Scorer {

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
