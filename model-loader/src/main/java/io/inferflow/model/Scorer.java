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

    /** Scores {@code rows} rows from {@code input} (a direct buffer is fastest). */
    float[] score(FloatBuffer input, int rows) throws ModelException;

    @Override
    void close();
}
