package io.inferflow.model;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fetched, verified and warmed-up ONNX Runtime session for one model version. Scoring is
 * thread-safe. Closing frees the session's native memory; closing twice is harmless.
 */
public final class LoadedModel implements Scorer {

    private final ModelDescriptor descriptor;
    private final OnnxModel model;
    private final long loadMillis;
    private final AtomicBoolean closed = new AtomicBoolean();

    LoadedModel(ModelDescriptor descriptor, OnnxModel model, long loadMillis) {
        this.descriptor = descriptor;
        this.model = model;
        this.loadMillis = loadMillis;
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** Milliseconds from the start of fetching to the end of the warm-up run. */
    public long loadMillis() {
        return loadMillis;
    }

    /** The model's input name (checked against the descriptor when it declares one). */
    public String inputName() {
        return model.inputName();
    }

    @Override
    public ModelSignature signature() {
        return model.signature();
    }

    @Override
    public int inputWidth() {
        return model.inputWidth();
    }

    @Override
    public int outputWidth() {
        return model.outputWidth();
    }

    @Override
    public ExecutionProvider executionProvider() {
        return model.executionProvider();
    }

    @Override
    public String cudaFallback() {
        return model.cudaFallback();
    }

    @Override
    public float[] score(FloatBuffer input, int rows) throws ModelException {
        if (closed.get()) {
            throw new IllegalStateException("model " + descriptor + " is closed");
        }
        return model.score(input, rows);
    }

    @Override
    public ScoredBatch scoreBatch(FloatBuffer input, int rows) throws ModelException {
        if (closed.get()) {
            throw new IllegalStateException("model " + descriptor + " is closed");
        }
        return model.scoreBatch(input, rows);
    }

    @Override
    public ScoredBatch scoreInputs(InputBatch input, int rows) throws ModelException {
        if (closed.get()) {
            throw new IllegalStateException("model " + descriptor + " is closed");
        }
        return model.scoreInputs(input, rows);
    }

    @Override
    public long nativeBytes() {
        return model.nativeBytes();
    }

    @Override
    public OutputLayout layout() {
        return model.layout();
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            model.close();
        }
    }

    @Override
    public String toString() {
        return "LoadedModel{" + descriptor + ", " + model + ", loaded in " + loadMillis + " ms}";
    }
}
