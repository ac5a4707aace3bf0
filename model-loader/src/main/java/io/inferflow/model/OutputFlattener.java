package io.inferflow.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the numeric output tensors of one run into the row-major floats a {@link Scorer}
 * returns: row i's values of output 0, then of output 1, and so on. DOUBLE, INT64 and INT32
 * values are cast to float.
 */
final class OutputFlattener {

    private OutputFlattener() {}

    /** The outputs of a run over {@code rows} rows, flattened row by row. */
    static float[] flatten(OrtSession.Result result, int rows) {
        if (result.size() == 1) {
            return toFloats((OnnxTensor) result.get(0));
        }
        List<float[]> parts = new ArrayList<>(result.size());
        int total = 0;
        for (Map.Entry<String, OnnxValue> e : result) {
            float[] part = toFloats((OnnxTensor) e.getValue());
            parts.add(part);
            total += part.length;
        }
        return interleaveRows(parts, rows, total);
    }

    private static float[] interleaveRows(List<float[]> parts, int rows, int total) {
        float[] out = new float[total];
        int pos = 0;
        for (int r = 0; r < rows; r++) {
            for (float[] part : parts) {
                int per = part.length / rows;
                System.arraycopy(part, r * per, out, pos, per);
                pos += per;
            }
        }
        return out;
    }

    /** A numeric tensor's values as floats, in its row-major order. */
    static float[] toFloats(OnnxTensor tensor) {
        switch (tensor.getInfo().type) {
            case FLOAT:
                FloatBuffer fb = tensor.getFloatBuffer();
                float[] f = new float[fb.remaining()];
                fb.get(f);
                return f;
            case DOUBLE:
                DoubleBuffer db = tensor.getDoubleBuffer();
                float[] d = new float[db.remaining()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) db.get(i);
                }
                return d;
            case INT64:
                LongBuffer lb = tensor.getLongBuffer();
                float[] l = new float[lb.remaining()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = lb.get(i);
                }
                return l;
            case INT32:
                IntBuffer ib = tensor.getIntBuffer();
                float[] n = new float[ib.remaining()];
                for (int i = 0; i < n.length; i++) {
                    n[i] = ib.get(i);
                }
                return n;
            default:
                throw new IllegalStateException("unexpected output type " + tensor.getInfo().type);
        }
    }
}
