package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small ONNX graphs for quantizer tests, built here with {@code ai.onnx.proto.OnnxMl} the way the
 * exporters write them (no binary fixtures): PyTorch-style Gemm layers ({@code [out, in]} weights,
 * transB=1, bias as third input), hand-built MatMul + Add, Gemm variants, and a graph with ops the
 * quantizer leaves alone.
 */
final class Graphs {

    static final String INPUT = "features";
    static final String OUTPUT = "score";

    private Graphs() {}

    /**
     * A PyTorch-exporter-style MLP: {@code Gemm(x, W, b, transB=1)} per layer with weights
     * {@code [out, in]}, Relu between layers, Sigmoid at the end (as {@code torch.onnx.export}
     * writes {@code nn.Linear} + {@code nn.ReLU} + {@code nn.Sigmoid}).
     */
    static byte[] torchStyleMlp(List<float[][]> weights, List<float[]> biases) {
        int in = weights.get(0)[0].length;
        int out = weights.get(weights.size() - 1).length;
        Builder b = new Builder(in, out);
        String x = INPUT;
        for (int l = 0; l < weights.size(); l++) {
            float[][] w = weights.get(l);
            String wName = "linear" + l + ".weight";
            String bName = "linear" + l + ".bias";
            b.init(wName, flatten(w), w.length, w[0].length);
            b.init(bName, biases.get(l), biases.get(l).length);
            boolean last = l == weights.size() - 1;
            String gemm = "/linear" + l + "/Gemm_output_0";
            b.node("Gemm", "/linear" + l + "/Gemm", List.of(x, wName, bName), List.of(gemm),
                    attr("alpha", 1f), attr("beta", 1f), attr("transB", 1));
            String y = last ? OUTPUT : "/act" + l + "/Relu_output_0";
            b.node(last ? "Sigmoid" : "Relu", last ? "/out/Sigmoid" : "/act" + l + "/Relu",
                    List.of(gemm), List.of(y));
            x = y;
        }
        return b.build(17);
    }

    /** {@code score = x · W + bias} as a MatMul node and an Add node. */
    static byte[] matMulAdd(float[][] w, float[] bias, int opset) {
        Builder b = new Builder(w.length, w[0].length);
        b.init("W", flatten(w), w.length, w[0].length);
        b.init("bias", bias, bias.length);
        b.node("MatMul", "matmul", List.of(INPUT, "W"), List.of("mm"));
        b.node("Add", "add", List.of("mm", "bias"), List.of(OUTPUT));
        return b.build(opset);
    }

    /** How a Gemm variant places the weight. */
    enum GemmForm {
        /** {@code Gemm(x, W[K, N])}. */
        B_PLAIN,
        /** {@code Gemm(x, W[N, K], transB=1)}. */
        B_TRANSPOSED,
        /** {@code Gemm(Transpose(x), W[K, N], transA=1)}. */
        A_TRANSPOSED_INPUT,
        /** {@code Transpose(Gemm(W[N, K], Transpose(x)))}: the weight is A. */
        A_WEIGHT,
        /** {@code Transpose(Gemm(W[K, N], Transpose(x), transA=1))}: the weight is A. */
        A_WEIGHT_TRANSPOSED
    }

    /**
     * One Gemm computing {@code score[batch, N] = alpha * x W + beta * C} (with C only when
     * the weight is B, as C must broadcast to the Gemm's output). {@code w} is {@code [K, N]}.
     */
    static byte[] gemm(GemmForm form, float[][] w, float[] c, float alpha, float beta) {
        int k = w.length;
        int n = w[0].length;
        Builder b = new Builder(k, n);
        float[][] stored = form == GemmForm.B_TRANSPOSED || form == GemmForm.A_WEIGHT
                ? transpose(w) : w;
        b.init("W", flatten(stored), stored.length, stored[0].length);
        b.init("C", c, c.length);
        List<OnnxMl.AttributeProto> attrs = new ArrayList<>(
                List.of(attr("alpha", alpha), attr("beta", beta)));
        switch (form) {
            case B_PLAIN:
                b.node("Gemm", "gemm", List.of(INPUT, "W", "C"), List.of(OUTPUT), attrs);
                break;
            case B_TRANSPOSED:
                attrs.add(attr("transB", 1));
                b.node("Gemm", "gemm", List.of(INPUT, "W", "C"), List.of(OUTPUT), attrs);
                break;
            case A_TRANSPOSED_INPUT:
                attrs.add(attr("transA", 1));
                b.node("Transpose", "t_in", List.of(INPUT), List.of("xt"));
                b.node("Gemm", "gemm", List.of("xt", "W", "C"), List.of(OUTPUT), attrs);
                break;
            case A_WEIGHT:
            case A_WEIGHT_TRANSPOSED:
                if (form == GemmForm.A_WEIGHT_TRANSPOSED) {
                    attrs.add(attr("transA", 1));
                }
                // C is [N, 1] here so that it broadcasts over Y[N, batch] like a bias.
                b.inits.set(b.inits.size() - 1, tensor("C", c, c.length, 1));
                b.node("Transpose", "t_in", List.of(INPUT), List.of("xt"));
                b.node("Gemm", "gemm", List.of("W", "xt", "C"), List.of("yt"), attrs);
                b.node("Transpose", "t_out", List.of("yt"), List.of(OUTPUT));
                break;
            default:
                throw new IllegalArgumentException(form.name());
        }
        return b.build(17);
    }

    /**
     * Ops the quantizer must leave alone next to one it quantizes: Reshape + Conv (1-D
     * convolution over the 8 features), MatMul 'm0' on an initializer (quantized), and MatMul
     * 'm1' whose weight comes out of an Identity node rather than straight from an initializer.
     */
    static byte[] withUnhandledOps(long seed) {
        Random r = new Random(seed);
        Builder b = new Builder(8, 4);
        b.inits.add(longs("shape_in", 0, 1, 8));
        b.inits.add(longs("shape_flat", 0, 12));
        b.init("conv.weight", gaussian(r, 6), 2, 1, 3);
        b.init("conv.bias", gaussian(r, 2), 2);
        b.init("W0", gaussian(r, 12 * 8), 12, 8);
        b.init("W1", gaussian(r, 8 * 4), 8, 4);
        b.node("Reshape", "reshape_in", List.of(INPUT, "shape_in"), List.of("x3"));
        b.node("Conv", "conv", List.of("x3", "conv.weight", "conv.bias"), List.of("c"));
        b.node("Reshape", "flatten", List.of("c", "shape_flat"), List.of("flat"));
        b.node("MatMul", "m0", List.of("flat", "W0"), List.of("h"));
        b.node("Identity", "w1_copy", List.of("W1"), List.of("W1c"));
        b.node("MatMul", "m1", List.of("h", "W1c"), List.of(OUTPUT));
        return b.build(17);
    }

    /** Two MatMuls reading the same initializer {@code W [8, 8]}: {@code score = (x W) W}. */
    static byte[] sharedWeight(long seed) {
        Builder b = new Builder(8, 8);
        b.init("W", gaussian(new Random(seed), 64), 8, 8);
        b.node("MatMul", "first", List.of(INPUT, "W"), List.of("h"));
        b.node("MatMul", "second", List.of("h", "W"), List.of(OUTPUT));
        return b.build(17);
    }

    static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.5);
        }
        return v;
    }

    static float[][] gaussian(Random r, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = gaussian(r, cols);
        }
        return m;
    }

    static float[] flatten(float[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        }
        return out;
    }

    static float[][] transpose(float[][] m) {
        float[][] t = new float[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    static OnnxMl.AttributeProto attr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static OnnxMl.AttributeProto attr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.TensorProto longs(String name, long... values) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    private static OnnxMl.ValueInfoProto matrix(String name, int width) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }

    /** Collects nodes and initializers of a graph with one input and one output. */
    private static final class Builder {
        final int in;
        final int out;
        final List<OnnxMl.TensorProto> inits = new ArrayList<>();
        final List<OnnxMl.NodeProto> nodes = new ArrayList<>();

        Builder(int in, int out) {
            this.in = in;
            this.out = out;
        }

        void init(String name, float[] values, long... dims) {
            inits.add(tensor(name, values, dims));
        }

        void node(String op, String name, List<String> inputs, List<String> outputs,
                OnnxMl.AttributeProto... attrs) {
            node(op, name, inputs, outputs, List.of(attrs));
        }

        void node(String op, String name, List<String> inputs, List<String> outputs,
                List<OnnxMl.AttributeProto> attrs) {
            nodes.add(OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name)
                    .addAllInput(inputs).addAllOutput(outputs).addAllAttribute(attrs).build());
        }

        byte[] build(int opset) {
            OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("test")
                    .addInput(matrix(INPUT, in)).addOutput(matrix(OUTPUT, out))
                    .addAllInitializer(inits).addAllNode(nodes).build();
            return OnnxMl.ModelProto.newBuilder().setIrVersion(opset >= 13 ? 8 : 6)
                    .setProducerName("inferflow-test")
                    .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("")
                            .setVersion(opset))
                    .setGraph(graph).build().toByteArray();
        }
    }
}
