package io.inferflow.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * A multi-layer perceptron with seeded random weights that can be exported as an ONNX graph
 * (Gemm + Relu per hidden layer, Gemm + Sigmoid at the end) and evaluated in plain Java.
 *
 * <p>Used for the demo model of local mode, for benchmarks and for test models:
 *
 * <pre>{@code
 * Mlp small = Mlp.random(42, 16, 64, 32, 1);
 * Files.write(path, small.toOnnx("features"));
 * }</pre>
 */
public final class Mlp {

    private final int[] sizes;
    /** weights[l] is row-major [sizes[l], sizes[l + 1]]. */
    private final float[][] weights;

    private final float[][] biases;

    private Mlp(int[] sizes, float[][] weights, float[][] biases) {
        this.sizes = sizes;
        this.weights = weights;
        this.biases = biases;
    }

    /** An MLP with layer widths {@code sizes} (input first) and Xavier-uniform weights. */
    public static Mlp random(long seed, int... sizes) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException(
                    "an MLP needs at least an input and an output width, got "
                            + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s <= 0) {
                throw new IllegalArgumentException(
                        "layer widths must be positive, got " + Arrays.toString(sizes));
            }
        }
        Random random = new Random(seed);
        float[][] w = new float[sizes.length - 1][];
        float[][] b = new float[sizes.length - 1][];
        for (int l = 0; l < sizes.length - 1; l++) {
            double limit = Math.sqrt(6.0 / (sizes[l] + sizes[l + 1]));
            w[l] = new float[sizes[l] * sizes[l + 1]];
            for (int i = 0; i < w[l].length; i++) {
                w[l][i] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
            b[l] = new float[sizes[l + 1]];
            for (int i = 0; i < b[l].length; i++) {
                b[l][i] = (float) ((random.nextDouble() * 2 - 1) * 0.1);
            }
        }
        return new Mlp(sizes.clone(), w, b);
    }

    public int inputWidth() {
        return sizes[0];
    }

    public int outputWidth() {
        return sizes[sizes.length - 1];
    }

    /** The forward pass in plain Java (double accumulation), for checking ONNX Runtime. */
    public float[] forward(float[] row) {
        if (row.length != sizes[0]) {
            throw new IllegalArgumentException(
                    "row has width " + row.length + ", the MLP takes " + sizes[0]);
        }
        float[] x = row;
        for (int l = 0; l < weights.length; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            float[] y = new float[out];
            for (int j = 0; j < out; j++) {
                double acc = biases[l][j];
                for (int i = 0; i < in; i++) {
                    acc += (double) x[i] * weights[l][i * out + j];
                }
                boolean last = l == weights.length - 1;
                y[j] = (float) (last ? 1.0 / (1.0 + Math.exp(-acc)) : Math.max(0.0, acc));
            }
            x = y;
        }
        return x;
    }

    /** The ONNX graph: input {@code inputName} of shape [batch, width], output "score". */
    public byte[] toOnnx(String inputName) {
        OnnxMl.GraphProto.Builder graph =
                OnnxMl.GraphProto.newBuilder()
                        .setName("mlp_" + joined("x"))
                        .addInput(floatMatrix(inputName, sizes[0]))
                        .addOutput(floatMatrix("score", sizes[sizes.length - 1]));
        String x = inputName;
        for (int l = 0; l < weights.length; l++) {
            String w = "W" + l;
            String b = "B" + l;
            String gemm = "gemm" + l;
            graph.addInitializer(tensor(w, weights[l], sizes[l], sizes[l + 1]));
            graph.addInitializer(tensor(b, biases[l], sizes[l + 1]));
            graph.addNode(
                    OnnxMl.NodeProto.newBuilder()
                            .setName("Gemm" + l)
                            .setOpType("Gemm")
                            .addInput(x)
                            .addInput(w)
                            .addInput(b)
                            .addOutput(gemm));
            boolean last = l == weights.length - 1;
            String y = last ? "score" : "h" + l;
            graph.addNode(
                    OnnxMl.NodeProto.newBuilder()
                            .setName((last ? "Sigmoid" : "Relu") + l)
                            .setOpType(last ? "Sigmoid" : "Relu")
                            .addInput(gemm)
                            .addOutput(y));
            x = y;
        }
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("inferflow")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private String joined(String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i == 0 ? "" : sep).append(sizes[i]);
        }
        return sb.toString();
    }

    static OnnxMl.ValueInfoProto floatMatrix(String name, int width) {
        OnnxMl.TensorShapeProto shape =
                OnnxMl.TensorShapeProto.newBuilder()
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                        .build();
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(
                                                        OnnxMl.TensorProto.DataType.FLOAT
                                                                .getNumber())
                                                .setShape(shape)))
                .build();
    }

    static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        raw.flip();
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
