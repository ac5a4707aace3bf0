package io.inferflow.model;

import java.nio.FloatBuffer;

/**
 * Scores a batch of rows. Implemented by {@link OnnxModel}; operator tests use fakes.
 *
 * <p>Rows are laid out row-major in {@code input}: {@code rows * inputWidth()} floats starting at
 * position 0. The result holds {@code rows * outputWidth()} floats, row-major: every output value
 * of row {@code i} sits in {@code [i * outputWidth(), (i + 1) * outputWidth())}.
 */
public interface Scorer extends AutoCloseable {

    /** Number of features one row must have. */
    int inputWidth();

    /** Number of output values per row, all outputs flattened in output order. */
    int outputWidth();

    /** The execution provider the model runs on; CPU unless the implementation says otherwise. */
    default ExecutionProvider executionProvider() {
        return ExecutionProvider.CPU;
    }

    /**
     * Why this model runs on the CPU although {@code inference.device} is {@code auto} (no CUDA
     * provider in this ONNX Runtime build, or CUDA failed); null when it runs where it was asked
     * to.
     */
    default String cudaFallback() {
        return null;
    }

    /**
     * What the model takes and gives, the contract a later version of it must keep; null when
     * the implementation does not know (test fakes, the identity scorer), in which case only
     * {@link #inputWidth()} is compared.
     */
    default ModelSignature signature() {
        return null;
    }

    /** Scores {@code rows} rows from {@code input} (a direct buffer is fastest). */
    float[] score(FloatBuffer input, int rows) throws ModelException;

    /**
     * Scores like {@link #score}, with every output by name; a scorer that names no outputs
     * returns the scores alone.
     */
    default ScoredBatch scoreBatch(FloatBuffer input, int rows) throws ModelException {
        return ScoredBatch.unnamed(score(input, rows), outputWidth());
    }

    /**
     * Scores rows given per input by name. The default serves a scorer with one float32 input
     * from that input's column; {@link OnnxModel} serves any {@link ModelSignature}.
     */
    default ScoredBatch scoreInputs(InputBatch input, int rows) throws ModelException {
        return scoreBatch(input.floats(0), rows);
    }

    /** Native memory the model holds, bytes; -1 when not known. See {@link OnnxModel}. */
    default long nativeBytes() {
        return -1;
    }

    /** The model's outputs, label and class probabilities; null when not known (fakes). */
    default OutputLayout layout() {
        return null;
    }

    @Override
    void close();
}
