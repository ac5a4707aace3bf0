package io.inferflow.model.quantize;

import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.quantize.QuantizationReport.BatchTiming;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Runs the FP32 and the quantized model side by side on ONNX Runtime and measures both. */
final class Comparison {

    static final int[] BATCHES = {1, 64, 256};
    private static final int SCORE_BATCH = 256;
    private static final int WARM_UP_RUNS = 2;

    final int rows;
    final boolean generated;
    final double maxAbs;
    final double meanAbs;
    final String decisionRule;
    final double agreement;
    final int intraOpThreads;
    final List<BatchTiming> timings;

    private Comparison(
            int rows,
            boolean generated,
            double maxAbs,
            double meanAbs,
            String decisionRule,
            double agreement,
            int intraOpThreads,
            List<BatchTiming> timings) {
        this.rows = rows;
        this.generated = generated;
        this.maxAbs = maxAbs;
        this.meanAbs = meanAbs;
        this.decisionRule = decisionRule;
        this.agreement = agreement;
        this.intraOpThreads = intraOpThreads;
        this.timings = timings;
    }

    static Comparison run(byte[] fp32Bytes, byte[] int8Bytes, QuantizeSettings options)
            throws ModelException {
        RuntimeSettings runtime = RuntimeSettings.defaults();
        try (OnnxModel fp32 = OnnxModel.load("FP32", fp32Bytes, runtime);
                OnnxModel int8 = OnnxModel.load("INT8", int8Bytes, runtime)) {
            checkSameInterface(fp32, int8);
            float[][] rows = options.sampleRows();
            boolean generated = rows == null;
            if (generated) {
                rows = generate(options.generatedRows(), fp32.inputWidth(), options.seed());
            } else if (rows[0].length != fp32.inputWidth()) {
                throw new ModelException(
                        QuantizeFailure.WRONG_SAMPLE_WIDTH,
                        "sample rows have width " + rows[0].length + ", the model's input '"
                                + fp32.inputName() + "' has width " + fp32.inputWidth());
            }
            float[] a = scoreAll(fp32, rows);
            float[] b = scoreAll(int8, rows);
            int width = fp32.outputWidth();
            double max = 0;
            double sum = 0;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                max = Math.max(max, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
                sum += d;
            }
            int agree = 0;
            for (int r = 0; r < rows.length; r++) {
                if (decision(a, r, width, options) == decision(b, r, width, options)) {
                    agree++;
                }
            }
            String rule = width == 1 ? "threshold " + options.decisionThreshold() : "argmax";
            List<BatchTiming> timings = options.timingRuns() == 0
                    ? List.of() : time(fp32, int8, rows, options.timingRuns());
            return new Comparison(rows.length, generated, max, sum / a.length, rule,
                    (double) agree / rows.length, runtime.intraOpThreads(), timings);
        }
    }

    private static void checkSameInterface(OnnxModel fp32, OnnxModel int8) throws ModelException {
        if (!fp32.inputName().equals(int8.inputName())
                || fp32.inputWidth() != int8.inputWidth()
                || !fp32.outputNames().equals(int8.outputNames())
                || fp32.outputWidth() != int8.outputWidth()) {
            throw new IllegalStateException(
                    "the rewrite changed the model's interface: FP32 " + fp32 + ", INT8 " + int8);
        }
    }

    private static int decision(float[] out, int row, int width, QuantizeSettings options) {
        if (width == 1) {
            return out[row] >= options.decisionThreshold() ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (out[row * width + j] > out[row * width + best]) {
                best = j;
            }
        }
        return best;
    }

    private static float[] scoreAll(OnnxModel model, float[][] rows) throws ModelException {
        float[] out = new float[rows.length * model.outputWidth()];
        for (int start = 0; start < rows.length; start += SCORE_BATCH) {
            int n = Math.min(SCORE_BATCH, rows.length - start);
            float[] part = model.score(buffer(rows, start, n), n);
            System.arraycopy(part, 0, out, start * model.outputWidth(), part.length);
        }
        return out;
    }

    private static List<BatchTiming> time(
            OnnxModel fp32, OnnxModel int8, float[][] rows, int runs) throws ModelException {
        List<BatchTiming> timings = new ArrayList<>();
        for (int batch : BATCHES) {
            FloatBuffer input = buffer(rows, 0, batch);
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                fp32.score(input, batch);
                int8.score(input, batch);
            }
            // Alternate the two models so that noise from other processes hits both alike.
            long[] a = new long[runs];
            long[] b = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                fp32.score(input, batch);
                long t1 = System.nanoTime();
                int8.score(input, batch);
                long t2 = System.nanoTime();
                a[i] = t1 - t0;
                b[i] = t2 - t1;
            }
            timings.add(new BatchTiming(batch, median(a) / 1e3, median(b) / 1e3));
        }
        return timings;
    }

    private static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2.0;
    }

    /** {@code n} rows starting at {@code start}, wrapping around when there are fewer. */
    private static FloatBuffer buffer(float[][] rows, int start, int n) {
        int width = rows[0].length;
        FloatBuffer buf =
                ByteBuffer.allocateDirect(n * width * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        for (int r = 0; r < n; r++) {
            buf.put(rows[(start + r) % rows.length]);
        }
        buf.flip();
        return buf;
    }

    static float[][] generate(int count, int width, long seed) {
        Random random = new Random(seed);
        float[][] rows = new float[count][width];
        for (float[] row : rows) {
            for (int j = 0; j < width; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return rows;
    }
}
