package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;

import java.util.HashMap;
import java.util.Map;

/**
 * A plain-Java evaluator of the small graphs the quantizer writes, independent of ONNX Runtime:
 * it dequantizes the int8 initializers itself ({@code (q - zero point) * scale}, per tensor or
 * along DequantizeLinear's axis) and runs the float forward pass in double precision. Supports
 * DequantizeLinear, MatMul, Gemm (transA, transB, alpha, beta, C), Add, Relu, Sigmoid,
 * Transpose and Identity on 2-D tensors, which covers every quantized fixture.
 */
final class DequantizedReference {

    /** A tensor of rank 1 or 2; rank 1 is held as one row. */
    private record T(int rows, int cols, double[] v, byte[] int8) {
        double at(int i, int j) {
            return v[i * cols + j];
        }
    }

    private final OnnxMl.GraphProto graph;

    DequantizedReference(byte[] model) throws Exception {
        this.graph = OnnxMl.ModelProto.parseFrom(model).getGraph();
    }

    /** The graph's single output for {@code rows}, flattened row by row. */
    float[] run(float[][] rows) {
        Map<String, T> values = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            values.put(t.getName(), initializer(t));
        }
        double[] x = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[0].length; j++) {
                x[i * rows[0].length + j] = rows[i][j];
            }
        }
        values.put(graph.getInput(0).getName(), new T(rows.length, rows[0].length, x, null));
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            values.put(node.getOutput(0), eval(node, values));
        }
        T out = values.get(graph.getOutput(0).getName());
        float[] f = new float[out.v().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) out.v()[i];
        }
        return f;
    }

    private static T initializer(OnnxMl.TensorProto t) {
        int rows = t.getDimsCount() == 2 ? (int) t.getDims(0) : 1;
        int cols = (int) (Tensors.elementCount(t) / rows);
        if (t.getDataType() == OnnxMl.TensorProto.DataType.INT8.getNumber()) {
            return new T(rows, cols, null, Tensors.int8Values(t));
        }
        if (Tensors.isFloat(t)) {
            float[] f = Tensors.floats(t);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return new T(rows, cols, d, null);
        }
        return new T(0, 0, new double[0], null);
    }

    private static T eval(OnnxMl.NodeProto node, Map<String, T> values) {
        T a = values.get(node.getInput(0));
        switch (node.getOpType()) {
            case "DequantizeLinear":
                return dequantize(a, values.get(node.getInput(1)),
                        values.get(node.getInput(2)).int8(), (int) attr(node, "axis", 1));
            case "MatMul":
                return gemm(a, values.get(node.getInput(1)), null, false, false, 1, 1);
            case "Gemm":
                T c = node.getInputCount() > 2 ? values.get(node.getInput(2)) : null;
                return gemm(a, values.get(node.getInput(1)), c, attr(node, "transA", 0) == 1,
                        attr(node, "transB", 0) == 1, attr(node, "alpha", 1),
                        attr(node, "beta", 1));
            case "Add":
                return add(a, values.get(node.getInput(1)), 1);
            case "Relu":
                return map(a, v -> Math.max(0, v));
            case "Sigmoid":
                return map(a, v -> 1 / (1 + Math.exp(-v)));
            case "Identity":
                return a;
            case "Transpose":
                return transpose(a);
            default:
                throw new IllegalArgumentException("reference has no " + node.getOpType());
        }
    }

    private static T dequantize(T q, T scale, byte[] zp, int axis) {
        double[] w = new double[q.int8().length];
        boolean perTensor = scale.v().length == 1;
        for (int i = 0; i < w.length; i++) {
            int ch = perTensor ? 0 : axis == 0 ? i / q.cols() : i % q.cols();
            // Float arithmetic, as DequantizeLinear defines it.
            w[i] = (float) (q.int8()[i] - zp[ch]) * (float) scale.v()[ch];
        }
        return new T(q.rows(), q.cols(), w, null);
    }

    private static T gemm(T a, T b, T c, boolean ta, boolean tb, double alpha, double beta) {
        T aa = ta ? transpose(a) : a;
        T bb = tb ? transpose(b) : b;
        if (aa.cols() != bb.rows()) {
            throw new IllegalArgumentException(
                    "inner dimensions differ: " + aa.cols() + " vs " + bb.rows());
        }
        double[] y = new double[aa.rows() * bb.cols()];
        for (int i = 0; i < aa.rows(); i++) {
            for (int j = 0; j < bb.cols(); j++) {
                double acc = 0;
                for (int k = 0; k < aa.cols(); k++) {
                    acc += aa.at(i, k) * bb.at(k, j);
                }
                y[i * bb.cols() + j] = alpha * acc;
            }
        }
        T out = new T(aa.rows(), bb.cols(), y, null);
        return c == null ? out : add(out, c, beta);
    }

    private static T add(T a, T b, double scaleB) {
        double[] y = new double[a.v().length];
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                int bi = b.rows() == 1 ? 0 : i;
                int bj = b.cols() == 1 ? 0 : j;
                y[i * a.cols() + j] = a.at(i, j) + scaleB * b.at(bi, bj);
            }
        }
        return new T(a.rows(), a.cols(), y, null);
    }

    private static T transpose(T a) {
        double[] y = new double[a.v().length];
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                y[j * a.rows() + i] = a.at(i, j);
            }
        }
        return new T(a.cols(), a.rows(), y, null);
    }

    private static T map(T a, java.util.function.DoubleUnaryOperator f) {
        double[] y = new double[a.v().length];
        for (int i = 0; i < y.length; i++) {
            y[i] = f.applyAsDouble(a.v()[i]);
        }
        return new T(a.rows(), a.cols(), y, null);
    }

    private static double attr(OnnxMl.NodeProto node, String name, double fallback) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getType() == OnnxMl.AttributeProto.AttributeType.FLOAT
                        ? a.getF() : a.getI();
            }
        }
        return fallback;
    }
}
