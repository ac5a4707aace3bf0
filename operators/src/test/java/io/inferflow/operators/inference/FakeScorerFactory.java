package io.inferflow.operators.inference;

import io.inferflow.model.ModelException;
import io.inferflow.model.Scorer;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scorers that double every feature (output width = input width) and remember the batches they
 * saw. A row holding {@link #FAIL} makes the whole call fail, as a broken model would.
 */
final class FakeScorerFactory implements ScorerFactory {

    private static final long serialVersionUID = 1L;

    /** A feature value that makes {@link FakeScorer#score} throw. */
    static final float FAIL = -999f;

    private final HashMap<String, Integer> widths;
    private transient List<FakeScorer> created;

    FakeScorerFactory(Map<String, Integer> widths) {
        this.widths = new HashMap<>(widths);
    }

    @Override
    public Scorer create(ModelSpec spec) throws ModelException {
        Integer width = widths.get(spec.name());
        if (width == null) {
            throw new ModelException("NOT_FOUND", "no file at '" + spec.uri() + "'");
        }
        FakeScorer scorer = new FakeScorer(spec, width);
        created().add(scorer);
        return scorer;
    }

    List<FakeScorer> created() {
        if (created == null) {
            created = new ArrayList<>();
        }
        return created;
    }

    FakeScorer scorer(String model) {
        return created().stream()
                .filter(s -> s.spec.name().equals(model))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no scorer for " + model));
    }

    static final class FakeScorer implements Scorer {

        final ModelSpec spec;
        final int width;
        final List<Integer> batchSizes = new ArrayList<>();
        boolean closed;

        FakeScorer(ModelSpec spec, int width) {
            this.spec = spec;
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
        public float[] score(FloatBuffer input, int rows) throws ModelException {
            if (!input.isDirect()) {
                throw new AssertionError("the operator must hand over a direct buffer");
            }
            float[] out = new float[rows * width];
            for (int i = 0; i < out.length; i++) {
                float v = input.get(i);
                if (v == FAIL) {
                    throw new ModelException("RUN_FAILED", "cannot score row " + i / width);
                }
                out[i] = 2 * v;
            }
            batchSizes.add(rows);
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
