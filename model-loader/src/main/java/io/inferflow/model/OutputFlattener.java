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

/** Reads a numeric output tensor as floats: DOUBLE, INT64 and INT32 values are cast. */
final class OutputFlattener {

    private OutputFlattener() {}

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
