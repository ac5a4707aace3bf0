package io.inferflow.model.quantize;

/**
 * A 2-D float weight quantized to int8: {@code w ≈ (q - zeroPoint) * scale}, with one scale and
 * zero point for the whole tensor or one per slice along {@code axis} (the output channel).
 *
 * <p>Dequantization is written exactly as ONNX Runtime's DequantizeLinear computes it (the
 * difference in int, converted to float, times the float scale), so {@link #dequantize} is the
 * reference the tests compare the quantized graph against.
 */
final class Int8Weights {

    /** Per-tensor quantization has no axis. */
    static final int PER_TENSOR = -1;

    final int rows;
    final int cols;
    final int axis;
    final byte[] values;
    final float[] scales;
    final byte[] zeroPoints;

    private Int8Weights(
            int rows, int cols, int axis, byte[] values, float[] scales, byte[] zeroPoints) {
        this.rows = rows;
        this.cols = cols;
        this.axis = axis;
        this.values = values;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
    }

    /**
     * Quantizes the row-major {@code [rows, cols]} matrix {@code w}.
     *
     * @param axis {@link #PER_TENSOR}, 0 (one scale per row) or 1 (one scale per column)
     * @param symmetric zero point 0 and range [-127, 127]; otherwise the full [-128, 127] range
     *     is spread over [min(w, 0), max(w, 0)]
     */
    static Int8Weights quantize(float[] w, int rows, int cols, int axis, boolean symmetric) {
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException(
                    "weight has " + w.length + " values, expected " + rows + " x " + cols);
        }
        if (axis < PER_TENSOR || axis > 1) {
            throw new IllegalArgumentException("axis must be -1, 0 or 1, got " + axis);
        }
        int channels = axis == PER_TENSOR ? 1 : axis == 0 ? rows : cols;
        float[] min = new float[channels];
        float[] max = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, cols, axis);
            min[c] = Math.min(min[c], w[i]);
            max[c] = Math.max(max[c], w[i]);
        }
        float[] scales = new float[channels];
        byte[] zeroPoints = new byte[channels];
        for (int c = 0; c < channels; c++) {
            float scale;
            int zp;
            if (symmetric) {
                scale = Math.max(Math.abs(min[c]), Math.abs(max[c])) / 127f;
                zp = 0;
            } else {
                scale = (max[c] - min[c]) / 255f;
                zp = scale == 0f ? 0 : clamp(Math.round(-128f - min[c] / scale), -128, 127);
            }
            // An all-zero channel: any positive scale dequantizes q = 0 back to exactly 0.
            scales[c] = scale == 0f || !Float.isFinite(scale) ? 1f : scale;
            zeroPoints[c] = (byte) zp;
        }
        int lo = symmetric ? -127 : -128;
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, cols, axis);
            q[i] = (byte) clamp(Math.round(w[i] / scales[c]) + zeroPoints[c], lo, 127);
        }
        return new Int8Weights(rows, cols, axis, q, scales, zeroPoints);
    }

    /** Rebuilds an instance from a quantized graph's tensors (for checks and reports). */
    static Int8Weights of(
            int rows, int cols, int axis, byte[] values, float[] scales, byte[] zeroPoints) {
        return new Int8Weights(rows, cols, axis, values, scales, zeroPoints);
    }

    /** The float weights this int8 tensor stands for, row-major {@code [rows, cols]}. */
    float[] dequantize() {
        float[] w = new float[values.length];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, cols, axis);
            w[i] = (float) (values[i] - zeroPoints[c]) * scales[c];
        }
        return w;
    }

    private static int channel(int index, int cols, int axis) {
        return axis == PER_TENSOR ? 0 : axis == 0 ? index / cols : index % cols;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
