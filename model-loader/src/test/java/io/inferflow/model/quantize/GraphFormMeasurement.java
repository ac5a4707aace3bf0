package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import io.inferflow.model.Mlp;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The measurement behind {@link Quantizer}'s choice of graph form: the wide MLP as FP32, as
 * weight-only QDQ (what {@link Quantizer} writes) and as dynamic quantization
 * (DynamicQuantizeLinear on the activation, MatMulInteger, Cast, Mul by the scales, Add of the
 * bias), timed on ONNX Runtime with one intra-op thread. Not a test: run it by hand after
 * {@code mvn test-compile} ({@code -Xss8m}: without it the JVM crashed in ONNX Runtime's session
 * creation when launched this way here, while surefire's JVM did not):
 *
 * <pre>{@code
 * mvn -q -pl model-loader dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xss8m -cp model-loader/target/classes:model-loader/target/test-classes:$(cat /tmp/cp.txt) \
 *     io.inferflow.model.quantize.GraphFormMeasurement
 * }</pre>
 */
public final class GraphFormMeasurement {

    private static final int RUNS = 21;

    private GraphFormMeasurement() {}

    public static void main(String[] args) throws Exception {
        byte[] fp32 = Mlp.random(2, 256, 1024, 1024, 1).toOnnx("features");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(fp32);
        byte[] qdq = WeightRewriter.rewrite(model, false, true).model().toByteArray();
        byte[] dynamic = dynamicForm(model).toByteArray();
        float[][] rows = Comparison.generate(1000, 256, 7);
        RuntimeSettings one = RuntimeSettings.defaults();
        try (OnnxModel a = OnnxModel.load("fp32", fp32, one);
                OnnxModel b = OnnxModel.load("qdq", qdq, one);
                OnnxModel c = OnnxModel.load("dynamic", dynamic, one)) {
            System.out.printf(Locale.ROOT, "bytes: fp32 %d, qdq %d, dynamic %d%n",
                    fp32.length, qdq.length, dynamic.length);
            float[] ya = a.score(buffer(rows, 256), 256);
            System.out.printf(Locale.ROOT, "max |dev| on 256 rows: qdq %.6f, dynamic %.6f%n",
                    maxDev(ya, b.score(buffer(rows, 256), 256)),
                    maxDev(ya, c.score(buffer(rows, 256), 256)));
            System.out.printf(Locale.ROOT, "%6s %10s %10s %10s  (median µs/batch, %d runs)%n",
                    "batch", "fp32", "qdq", "dynamic", RUNS);
            for (int batch : Comparison.BATCHES) {
                FloatBuffer in = buffer(rows, batch);
                List<OnnxModel> models = List.of(a, b, c);
                long[][] t = new long[3][RUNS];
                for (int r = -3; r < RUNS; r++) {
                    for (int m = 0; m < 3; m++) {
                        long t0 = System.nanoTime();
                        models.get(m).score(in, batch);
                        if (r >= 0) {
                            t[m][r] = System.nanoTime() - t0;
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "%6d %10.1f %10.1f %10.1f%n", batch,
                        median(t[0]), median(t[1]), median(t[2]));
            }
        }
    }

    /** Every Gemm (no transposes, alpha = beta = 1, as {@link Mlp} writes them) made dynamic. */
    static OnnxMl.ModelProto dynamicForm(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto graph = model.getGraph();
        OnnxMl.GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
        List<String> weights = new ArrayList<>();
        graph.getNodeList().forEach(n -> {
            if (n.getOpType().equals("Gemm")) {
                weights.add(n.getInput(1));
            }
        });
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (!weights.contains(t.getName())) {
                g.addInitializer(t);
                continue;
            }
            int rows = (int) t.getDims(0);
            int cols = (int) t.getDims(1);
            Int8Weights q = Int8Weights.quantize(Tensors.floats(t), rows, cols, -1, true);
            g.addInitializer(Tensors.int8(t.getName() + "_q", q.values, rows, cols));
            g.addInitializer(Tensors.floats(t.getName() + "_scale", q.scales));
            g.addInitializer(Tensors.int8(t.getName() + "_zp", q.zeroPoints));
        }
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Gemm")) {
                g.addNode(n);
                continue;
            }
            String p = n.getName() + "_";
            String w = n.getInput(1);
            g.addNode(node("DynamicQuantizeLinear", List.of(n.getInput(0)),
                    List.of(p + "xq", p + "xs", p + "xzp")));
            g.addNode(node("MatMulInteger", List.of(p + "xq", w + "_q", p + "xzp", w + "_zp"),
                    List.of(p + "acc")));
            g.addNode(node("Cast", List.of(p + "acc"), List.of(p + "accf"))
                    .toBuilder()
                    .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                            .setType(OnnxMl.AttributeProto.AttributeType.INT)
                            .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
                    .build());
            g.addNode(node("Mul", List.of(p + "xs", w + "_scale"), List.of(p + "s")));
            g.addNode(node("Mul", List.of(p + "accf", p + "s"), List.of(p + "y")));
            g.addNode(node("Add", List.of(p + "y", n.getInput(2)), n.getOutputList()));
        }
        return model.toBuilder().setGraph(g).build();
    }

    private static OnnxMl.NodeProto node(String op, List<String> in, List<String> out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out.get(0) + "_" + op)
                .addAllInput(in).addAllOutput(out).build();
    }

    private static double maxDev(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double median(long[] ns) {
        long[] v = ns.clone();
        Arrays.sort(v);
        return v[v.length / 2] / 1e3;
    }

    private static FloatBuffer buffer(float[][] rows, int n) {
        FloatBuffer buf = ByteBuffer.allocateDirect(n * rows[0].length * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int r = 0; r < n; r++) {
            buf.put(rows[r % rows.length]);
        }
        return buf.flip();
    }
}
