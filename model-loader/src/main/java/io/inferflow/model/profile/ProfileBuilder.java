package io.inferflow.model.profile;

import io.inferflow.model.Hashes;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
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
 * row (named {@code score} for one, else {@code score0}, {@code score1}, ...); wider outputs
 * (embeddings, many classes) profile only the first value, named {@code score0}.
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
            int outputs = model.outputWidth();
            int profiled = outputs <= MAX_PROFILED_OUTPUTS ? outputs : 1;
            List<FeatureProfile> scoreProfiles = new ArrayList<>(profiled);
            for (int o = 0; o < profiled; o++) {
                String name = outputs == 1 ? "score" : "score" + o;
                scoreProfiles.add(
                        FeatureProfile.of(name, strided(scores, o, outputs, rows.length), bins));
            }
            return ReferenceProfile.of(
                    features, scoreProfiles, rows.length, Instant.now(),
                    Hashes.sha256Hex(onnxModel));
        }
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
