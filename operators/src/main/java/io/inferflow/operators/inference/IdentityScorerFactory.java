package io.inferflow.operators.inference;

import io.inferflow.model.Scorer;

import java.nio.FloatBuffer;

/**
 * Creates scorers that return each row's features unchanged, for measuring the pipeline without
 * a model (the pass-through benchmark). Every model it serves has the given input width; the
 * spec's URI is not read.
 */
public final class IdentityScorerFactory implements ScorerFactory {

    private static final long serialVersionUID = 1L;

    private final int width;

    public IdentityScorerFactory(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("width must be at least 1, got " + width);
        }
        this.width = width;
    }

    @Override
    public Scorer create(ModelSpec spec) {
        return new IdentityScorer(width);
    }

    private static final class IdentityScorer implements Scorer {

        private final int width;

        IdentityScorer(int width) {
            this.width = width;
        }

        @Override
        public int inputWidth() {
            return width;
        }

        @Override
        public int outputWidth() {
            return width;
        }

        @Override
        public float[] score(FloatBuffer input, int rows) {
            float[] out = new float[rows * width];
            input.duplicate().position(0).get(out);
            return out;
        }

        @Override
        public void close() {}
    }
}
