package io.inferflow.model;

import java.util.List;

/**
 * What a model returned for a batch: the flattened numeric {@link #scores} (row-major, {@code
 * width} per row: every numeric output and class map of row i, in output order) and every output
 * by name ({@link #columns}), strings included.
 */
public record ScoredBatch(float[] scores, int width, List<Column> columns) {

    /**
     * One output over the batch: {@code perRow} values (numeric outputs and class maps, as
     * floats) or strings (string outputs) per row, row-major.
     */
    public record Column(OutputSpec spec, float[] values, String[] strings, int perRow) {

        /** Whether row {@code row}'s values are all finite (true for strings). */
        public boolean finite(int row) {
            if (values == null) {
                return true;
            }
            for (int i = row * perRow; i < (row + 1) * perRow; i++) {
                if (!Float.isFinite(values[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Scores of a scorer that names no outputs (test fakes, the identity scorer). */
    public static ScoredBatch unnamed(float[] scores, int width) {
        return new ScoredBatch(scores, width, List.of());
    }
}
