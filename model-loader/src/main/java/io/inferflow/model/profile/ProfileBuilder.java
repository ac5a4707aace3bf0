package io.inferflow.model.profile;

import io.inferflow.model.Hashes;
import io.inferflow.model.InputBatch;
import io.inferflow.model.InputColumns;
import io.inferflow.model.InputSpec;
import io.inferflow.model.ModelException;
import io.inferflow.model.ModelSignature;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.OutputLayout;
import io.inferflow.model.OutputSpec;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.Scorer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link ReferenceProfile} from reference rows: quantile bins per feature, and the
 * distribution of the model's scores on the same rows (ONNX Runtime, in batches from a direct
 * buffer).
 *
 * <pre>{@code
 * ReferenceProfile profile = ProfileBuilder.build(Files.readAllBytes(model), rows, 10);
 * }</pre>
 *
 * <p>Every output value is profiled when the model has at most {@link #MAX_PROFILED_OUTPUTS} per
 * row; wider outputs (embeddings, many classes) profile only the first value. A model with one
 * numeric output names them {@code score} for one, else {@code score0}, {@code score1}, ...; a
 * classifier or a model with several outputs names each by its output and class ({@code
 * output_label}, {@code output_probability[1]}).
 */
public final class ProfileBuilder {

    /** Models with up to this many output values per row have each of them profiled. */
    public static final int MAX_PROFILED_OUTPUTS = 8;

    static final int BATCH_ROWS = 256;

    private ProfileBuilder() {}

    /** Profiles {@code rows} with features named {@code f0 .. fN-1}. */
    public static ReferenceProfile build(byte[] onnxModel, float[][] rows, int bins)
            throws ModelException {
        return build(onnxModel, null, rows, bins);
    }

    /**
     * Profiles {@code rows} with the given feature names ({@code null} for {@code f0 .. fN-1}).
     *
     * @throws IllegalArgumentException when there are no rows, a row's width is not the model's,
     *     the names do not match the width, or {@code bins} is outside [2, 1000]
     * @throws ModelException when ONNX Runtime cannot load or run the model
     */
    public static ReferenceProfile build(
            byte[] onnxModel, List<String> featureNames, float[][] rows, int bins)
            throws ModelException {
        FeatureProfile.checkBins(bins);
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("no rows to profile; expected at least one");
        }
        try (OnnxModel model = OnnxModel.load("profiled", onnxModel, RuntimeSettings.defaults())) {
            int width = model.inputWidth();
            checkRows(rows, width);
            List<String> names = names(featureNames, width);
            float[] scores = score(model, rows);
            List<FeatureProfile> features = new ArrayList<>(width);
            for (int f = 0; f < width; f++) {
                features.add(FeatureProfile.of(names.get(f), column(rows, f), bins));
            }
            return ReferenceProfile.of(
                    features, scoreProfiles(model, scores, rows.length, bins), rows.length,
                    Instant.now(), Hashes.sha256Hex(onnxModel));
        }
    }

    /**
     * Profiles a model that reads named inputs (several inputs, int64 or string inputs) from a
     * table of cells: each input of width 1 reads the column of its name, a wider one the
     * columns {@code name[0]} .. {@code name[w-1]}; other columns are ignored. The features
     * profiled are the numeric (float32 and int64) input values in input order, named by their
     * columns, which is what drift counts for such a model. A model with one float32 input takes
     * every column in order, as {@link #build(byte[], List, float[][], int)} does.
     *
     * @param header the column names
     * @param cells the rows, each with one cell per column
     * @throws IllegalArgumentException when a column the model needs is missing, a cell does not
     *     parse as its input's type, or there are no rows
     */
    public static ReferenceProfile buildFromCells(
            byte[] onnxModel, List<String> header, List<List<String>> cells, int bins)
            throws ModelException {
        FeatureProfile.checkBins(bins);
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("no rows to profile; expected at least one");
        }
        ModelSignature signature;
        try (OnnxModel model = OnnxModel.load("profiled", onnxModel, RuntimeSettings.defaults())) {
            signature = model.signature();
            if (!signature.flat()) {
                return buildNamed(onnxModel, model, header, cells, bins);
            }
        }
        float[][] rows = new float[cells.size()][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new float[header.size()];
            for (int c = 0; c < header.size(); c++) {
                rows[r][c] = InputColumns.number(
                        cells.get(r).get(c), "row " + (r + 1) + " column '" + header.get(c) + "'");
            }
        }
        return build(onnxModel, header, rows, bins);
    }

    private static ReferenceProfile buildNamed(
            byte[] onnxModel, OnnxModel model, List<String> header, List<List<String>> cells,
            int bins) throws ModelException {
        List<InputSpec> inputs = model.signature().inputs();
        List<int[]> columns = InputColumns.locate(inputs, header);
        List<String> featureNames = new ArrayList<>();
        for (InputSpec input : inputs) {
            for (int j = 0; j < input.width() && input.kind().numeric(); j++) {
                featureNames.add(InputColumns.name(input, j));
            }
        }
        int rows = cells.size();
        float[] outputs = new float[rows * model.outputWidth()];
        float[] numeric = new float[rows * model.signature().numericWidth()];
        InputBatch batch = InputBatch.allocate(inputs, BATCH_ROWS);
        for (int start = 0; start < rows; start += BATCH_ROWS) {
            int n = Math.min(BATCH_ROWS, rows - start);
            batch.clear(n);
            for (int r = start; r < start + n; r++) {
                for (int i = 0; i < inputs.size(); i++) {
                    for (int c : columns.get(i)) {
                        String cell = cells.get(r).get(c);
                        String where = "row " + (r + 1) + " column '" + header.get(c) + "'";
                        switch (inputs.get(i).kind()) {
                            case FLOAT -> batch.floats(i).put(InputColumns.number(cell, where));
                            case INT64 -> batch.longs(i).put(InputColumns.integer(cell, where));
                            case STRING -> batch.putString(i, cell);
                        }
                    }
                }
            }
            float[] out = model.scoreInputs(batch, n).scores();
            System.arraycopy(out, 0, outputs, start * model.outputWidth(), out.length);
            float[] values = batch.numericRows(n);
            System.arraycopy(values, 0, numeric, start * batch.numericWidth(), values.length);
        }
        int width = batch.numericWidth();
        List<FeatureProfile> features = new ArrayList<>(width);
        for (int f = 0; f < width; f++) {
            features.add(FeatureProfile.of(featureNames.get(f), strided(numeric, f, width, rows),
                    bins));
        }
        return ReferenceProfile.of(
                features, scoreProfiles(model, outputs, rows, bins), rows, Instant.now(),
                Hashes.sha256Hex(onnxModel));
    }

    /**
     * The scores' profiles. A model with one numeric output and no label or class probabilities
     * (a regression or an MLP) names them {@code score} or {@code score0}, {@code score1}, ...;
     * any other names each value by its output: {@code output_label}, {@code
     * output_probability[7]} for a class's probability, {@code variable[2]} for a wider
     * output's third value.
     */
    private static List<FeatureProfile> scoreProfiles(
            Scorer model, float[] scores, int rows, int bins) {
        int outputs = model.outputWidth();
        int profiled = outputs <= MAX_PROFILED_OUTPUTS ? outputs : 1;
        List<String> named = scoreNames(model.layout(), outputs);
        List<FeatureProfile> profiles = new ArrayList<>(profiled);
        for (int o = 0; o < profiled; o++) {
            String name = named != null ? named.get(o) : outputs == 1 ? "score" : "score" + o;
            profiles.add(FeatureProfile.of(name, strided(scores, o, outputs, rows), bins));
        }
        return profiles;
    }

    /** Each score's name from the model's outputs; null for the plain {@code score} names. */
    static List<String> scoreNames(OutputLayout layout, int width) {
        if (layout == null
                || (layout.outputs().size() == 1 && layout.label() < 0
                        && layout.probabilities() < 0)) {
            return null;
        }
        List<String> names = new ArrayList<>(width);
        for (int i = 0; i < layout.outputs().size(); i++) {
            OutputSpec output = layout.outputs().get(i);
            if (!output.numeric()) {
                continue;
            }
            if (i == layout.probabilities()) {
                for (String c : layout.classes()) {
                    names.add(output.name() + "[" + c + "]");
                }
                continue;
            }
            long per = 1;
            for (long d : output.perRow()) {
                per *= d;
            }
            if (per < 0) {
                return null;
            }
            for (long j = 0; j < per; j++) {
                names.add(per == 1 ? output.name() : output.name() + "[" + j + "]");
            }
        }
        return names.size() == width ? names : null;
    }

    private static void checkRows(float[][] rows, int width) {
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null || rows[r].length != width) {
                throw new IllegalArgumentException(
                        "row " + r + " has " + (rows[r] == null ? 0 : rows[r].length)
                                + " values, the model takes " + width);
            }
        }
    }

    private static List<String> names(List<String> given, int width) {
        if (given == null) {
            List<String> names = new ArrayList<>(width);
            for (int f = 0; f < width; f++) {
                names.add("f" + f);
            }
            return names;
        }
        if (given.size() != width) {
            throw new IllegalArgumentException(
                    "got " + given.size() + " feature names " + given + ", the model takes "
                            + width + " features");
        }
        return given;
    }

    /** All output values, row-major: row r's values at [r * outputWidth, (r + 1) * outputWidth). */
    private static float[] score(Scorer model, float[][] rows) throws ModelException {
        int width = model.inputWidth();
        int outputs = model.outputWidth();
        FloatBuffer batch =
                ByteBuffer.allocateDirect(BATCH_ROWS * width * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        float[] all = new float[rows.length * outputs];
        for (int start = 0; start < rows.length; start += BATCH_ROWS) {
            int n = Math.min(BATCH_ROWS, rows.length - start);
            batch.clear();
            for (int r = start; r < start + n; r++) {
                batch.put(rows[r]);
            }
            float[] out = model.score(batch, n);
            System.arraycopy(out, 0, all, start * outputs, out.length);
        }
        return all;
    }

    private static float[] column(float[][] rows, int f) {
        float[] values = new float[rows.length];
        for (int r = 0; r < rows.length; r++) {
            values[r] = rows[r][f];
        }
        return values;
    }

    private static float[] strided(float[] values, int offset, int stride, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = values[i * stride + offset];
        }
        return out;
    }
}
