package io.inferflow.model.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.ExporterModels;
import io.inferflow.model.ModelException;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.inferflow.model.Mlp;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.quantize.Graphs.GemmForm;
import io.inferflow.model.quantize.QuantizationReport.QuantizedOp;
import io.inferflow.model.quantize.QuantizationReport.SkippedOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * What {@link Quantizer} promises for INT8 and its refusals. Longer than most test classes (about
 * 350 lines): each test builds or trains its own small model and checks one promise of the
 * report (quantized and skipped ops, deviation, agreement, timings) against real ONNX Runtime
 * runs, and they share the comparison helpers at the end.
 */
class QuantizerTest {

    /** Tests that do not look at timings skip them: they are reported, never asserted. */
    private static final QuantizeSettings NO_TIMING =
            QuantizeSettings.builder().timingRuns(0).build();

    @Test
    void refusesATreeEnsembleItCannotQuantize() {
        byte[] forest = ExporterModels.forestClassifier(3, 4, List.of(0L, 1L), 5, 3, true);
        ModelException e = assertThrows(
                ModelException.class, () -> Quantizer.quantize(forest, NO_TIMING));
        assertEquals(QuantizeFailure.NOTHING_TO_QUANTIZE, e.reason());
        assertEquals("the model has no MatMul or Gemm weight to quantize (its ops: Cast,"
                + " TreeEnsembleClassifier, ZipMap); INT8 rewrites only those, so tree ensembles"
                + " and ai.onnx.ml linear models stay FP32: push the file as it is",
                e.getMessage());
    }

    @Test
    void wideMlpFileIsAtLeastThreeTimesSmaller() throws Exception {
        byte[] fp32 = Mlp.random(2, 256, 1024, 1024, 1).toOnnx("features");
        QuantizationResult result =
                Quantizer.quantize(fp32, QuantizeSettings.builder().timingRuns(5).build());
        System.out.println("wide MLP 256-1024-1024-1:\n" + result.report().format());
        assertEquals(fp32.length, result.report().sizeBefore());
        assertEquals(result.model().length, result.report().sizeAfter());
        assertTrue(result.report().sizeRatio() >= 3,
                "expected >= 3x smaller, got " + result.report().sizeRatio());
        assertEquals(3, result.report().quantized().size());
        assertEquals(3, result.report().timings().size());
    }

    @Test
    void trainedSigmoidMlpStaysWithinOneHundredthAndAgreesOnDecisions() throws Exception {
        TrainedMlp mlp = TrainedMlp.train(11);
        assertTrue(mlp.accuracy > 0.8, "the fixture did not learn: accuracy " + mlp.accuracy);
        QuantizationReport report = Quantizer.quantize(mlp.toOnnx(),
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build()).report();
        System.out.printf("trained MLP (held-out accuracy %.3f):%n%s", mlp.accuracy,
                report.format());
        assertEquals(1000, report.rows());
        assertTrue(report.maxAbsDeviation() <= 1e-2,
                "max abs deviation " + report.maxAbsDeviation() + ", expected <= 0.01");
        assertTrue(report.agreement() >= 0.99,
                "decisions agree on " + report.agreement() + ", expected >= 0.99");
        assertEquals("threshold 0.5", report.decisionRule());
    }

    @Test
    void onnxRuntimeOutputEqualsPlainJavaDequantizedMath() throws Exception {
        float[][] rows = Comparison.generate(200, TrainedMlp.IN, 5);
        for (boolean perChannel : new boolean[] {false, true}) {
            byte[] int8 = Quantizer.quantize(TrainedMlp.train(3).toOnnx(),
                    QuantizeSettings.builder().perChannel(perChannel).timingRuns(0).build())
                    .model();
            assertMatchesReference(int8, rows, 1e-5);
        }
        Random r = new Random(9);
        byte[] matMulAdd = Graphs.matMulAdd(Graphs.gaussian(r, 12, 5), Graphs.gaussian(r, 5), 17);
        byte[] int8 = Quantizer.quantize(matMulAdd,
                QuantizeSettings.builder().perChannel(true).symmetric(false).timingRuns(0).build())
                .model();
        assertMatchesReference(int8, Comparison.generate(200, 12, 6), 1e-5);
    }

    @Test
    void perChannelDeviatesNoMoreThanPerTensorWhenColumnScalesDiffer() throws Exception {
        Random r = new Random(4);
        float[][] w = Graphs.gaussian(r, 32, 6);
        for (float[] row : w) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= (float) Math.pow(10, j - 3); // columns from 0.001 to 100
            }
        }
        byte[] fp32 = Graphs.matMulAdd(w, new float[6], 17);
        QuantizationReport perTensor = Quantizer.quantize(fp32, NO_TIMING).report();
        QuantizationReport perChannel = Quantizer.quantize(fp32,
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build()).report();
        System.out.printf("column scales 1e-3..1e2: max/mean deviation per-tensor %.6f/%.6f, "
                + "per-channel %.6f/%.6f%n", perTensor.maxAbsDeviation(),
                perTensor.meanAbsDeviation(), perChannel.maxAbsDeviation(),
                perChannel.meanAbsDeviation());
        // The widest column sets the per-tensor scale, so both share the worst error; the
        // narrow columns, rounded to zero per tensor, are what per-channel fixes.
        assertTrue(perChannel.maxAbsDeviation() <= perTensor.maxAbsDeviation());
        assertTrue(perChannel.meanAbsDeviation() < perTensor.meanAbsDeviation() / 2,
                perChannel.meanAbsDeviation() + " vs " + perTensor.meanAbsDeviation());
        assertEquals("per-channel, axis 1 (6 scales)", perChannel.quantized().get(0).granularity());
        assertEquals("per-tensor", perTensor.quantized().get(0).granularity());
    }

    @ParameterizedTest
    @EnumSource(GemmForm.class)
    void gemmVariantsEqualFp32WithinTolerance(GemmForm form) throws Exception {
        Random r = new Random(form.ordinal());
        byte[] fp32 = Graphs.gemm(form, Graphs.gaussian(r, 10, 4), Graphs.gaussian(r, 4),
                0.7f, 1.3f);
        for (boolean perChannel : new boolean[] {false, true}) {
            QuantizationResult result = Quantizer.quantize(fp32,
                    QuantizeSettings.builder().perChannel(perChannel).timingRuns(0).build());
            QuantizationReport report = result.report();
            assertEquals(1, report.quantized().size(), form + ": " + report.format());
            // |x| < ~4 on 1,000 N(0,1) rows, 10 terms, rounding error <= scale / 2 <= 1 / 127.
            assertTrue(report.maxAbsDeviation() < 0.7 * 10 * 4 * 0.5 / 127 * 2,
                    form + " per-channel=" + perChannel + ": " + report.maxAbsDeviation());
            assertMatchesReference(result.model(), Comparison.generate(50, 10, 2), 1e-5);
        }
        OnnxMl.NodeProto dq = dequantizer(Quantizer.quantize(fp32,
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build()).model());
        int expectedAxis = form == GemmForm.B_TRANSPOSED || form == GemmForm.A_WEIGHT ? 0 : 1;
        assertEquals(expectedAxis, dq.getAttribute(0).getI(), form + ": channel axis");
    }

    @Test
    void reportsOpsItLeavesInFp32WithReasons() throws Exception {
        QuantizationReport report = Quantizer.quantize(Graphs.withUnhandledOps(1), NO_TIMING)
                .report();
        System.out.println(report.format());
        assertEquals(List.of("m0"),
                report.quantized().stream().map(QuantizedOp::node).collect(Collectors.toList()));
        List<String> skipped = report.skipped().stream()
                .map(s -> s.opType() + " '" + s.node() + "': " + s.reason())
                .collect(Collectors.toList());
        assertEquals(List.of(
                "Conv 'conv': not handled: Conv is not quantized; float initializer(s)"
                        + " [conv.weight, conv.bias] stay FP32",
                "Identity 'w1_copy': not handled: Identity is not quantized; float"
                        + " initializer(s) [W1] stay FP32",
                "MatMul 'm1': weight 'W1c' is not a 2-D initializer (it is computed in the"
                        + " graph or a graph input)"),
                skipped);
    }

    @Test
    void sharedInitializerIsQuantizedOnce() throws Exception {
        QuantizationResult result = Quantizer.quantize(Graphs.sharedWeight(2), NO_TIMING);
        OnnxMl.GraphProto graph = OnnxMl.ModelProto.parseFrom(result.model()).getGraph();
        long dequantizers = graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("DequantizeLinear")).count();
        assertEquals(1, dequantizers);
        assertEquals(2, result.report().quantized().size());
        assertTrue(graph.getInitializerList().stream().noneMatch(t -> t.getName().equals("W")));
        assertMatchesReference(result.model(), Comparison.generate(20, 8, 1), 1e-5);
    }

    @Test
    void deviationOverTheLimitThrowsWithTheReport() throws Exception {
        byte[] fp32 = TrainedMlp.train(3).toOnnx();
        QuantizationException e = assertThrows(QuantizationException.class,
                () -> Quantizer.quantize(fp32,
                        QuantizeSettings.builder().maxDeviation(1e-7).timingRuns(0).build()));
        assertEquals(QuantizeFailure.DEVIATION_EXCEEDED, e.reason());
        assertNotNull(e.report());
        assertTrue(e.report().maxAbsDeviation() > 1e-7);
        assertTrue(e.getMessage().startsWith("max absolute deviation "), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds --max-deviation 1.0E-7"), e.getMessage());
    }

    @Test
    void deviationWithinTheLimitPasses() throws Exception {
        QuantizationReport report = Quantizer.quantize(TrainedMlp.train(3).toOnnx(),
                QuantizeSettings.builder().maxDeviation(0.05).timingRuns(0).build()).report();
        assertTrue(report.maxAbsDeviation() <= 0.05);
    }

    @Test
    void pytorchStyleGemmModelQuantizesAndKeepsItsInterface() throws Exception {
        byte[] fp32 = TrainedMlp.train(5).toOnnx();
        QuantizationResult result = Quantizer.quantize(fp32, NO_TIMING);
        assertEquals(List.of("/linear0/Gemm", "/linear1/Gemm"),
                result.report().quantized().stream().map(QuantizedOp::node)
                        .collect(Collectors.toList()));
        assertEquals(List.of(), result.report().skipped());
        assertSameInterface(fp32, result.model());
    }

    @Test
    void tribuoExportQuantizesAndKeepsItsInterface() throws Exception {
        byte[] fp32 = TribuoFixture.logisticRegression(8);
        QuantizationResult result = Quantizer.quantize(fp32, NO_TIMING);
        System.out.println("Tribuo logistic regression:\n" + result.report().format());
        assertEquals(List.of("Gemm"), result.report().quantized().stream()
                .map(QuantizedOp::opType).collect(Collectors.toList()));
        assertEquals("argmax", result.report().decisionRule());
        assertTrue(result.report().agreement() >= 0.99);
        assertSameInterface(fp32, result.model());
    }

    @Test
    void handBuiltMatMulAddQuantizesAndKeepsItsInterface() throws Exception {
        Random r = new Random(3);
        byte[] fp32 = Graphs.matMulAdd(Graphs.gaussian(r, 16, 3), Graphs.gaussian(r, 3), 17);
        QuantizationResult result = Quantizer.quantize(fp32,
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build());
        assertEquals(1, result.report().quantized().size());
        assertEquals(List.of("Add"), result.report().skipped().stream()
                .map(SkippedOp::opType).collect(Collectors.toList()));
        assertSameInterface(fp32, result.model());
    }

    @Test
    void raisesAnOldOpsetWhenTheGraphAllowsIt() throws Exception {
        Random r = new Random(3);
        byte[] fp32 = Graphs.matMulAdd(Graphs.gaussian(r, 16, 3), Graphs.gaussian(r, 3), 9);
        QuantizationResult result = Quantizer.quantize(fp32,
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build());
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(result.model());
        assertEquals(13, model.getOpsetImport(0).getVersion());
        assertTrue(result.report().notes().get(0).startsWith(
                "default-domain opset raised from 9 to 13"), result.report().notes().toString());
        assertTrue(result.report().form().contains("per-channel"));
    }

    @Test
    void rejectsBytesThatAreNotAModel() {
        ModelException e = assertThrows(ModelException.class,
                () -> Quantizer.quantize(new byte[] {1, 2, 3, 4, 5}, NO_TIMING));
        assertEquals(QuantizeFailure.NOT_ONNX, e.reason());
        assertTrue(e.getMessage().startsWith("expected an ONNX ModelProto"), e.getMessage());
    }

    @Test
    void usesSampleRowsWhenGiven() throws Exception {
        float[][] rows = Comparison.generate(37, TrainedMlp.IN, 1);
        QuantizationReport report = Quantizer.quantize(TrainedMlp.train(3).toOnnx(),
                QuantizeSettings.builder().sampleRows(rows).timingRuns(0).build()).report();
        assertEquals(37, report.rows());
        assertTrue(!report.rowsGenerated());
        ModelException e = assertThrows(ModelException.class,
                () -> Quantizer.quantize(TrainedMlp.train(3).toOnnx(), QuantizeSettings.builder()
                        .sampleRows(new float[][] {{1, 2}}).timingRuns(0).build()));
        assertEquals("sample rows have width 2, the model's input 'features' has width 16",
                e.getMessage());
    }

    @Test
    void fallsBackToPerTensorWhenTheOpsetCannotBeRaised() throws Exception {
        Random r = new Random(3);
        byte[] fp32 = Graphs.matMulAdd(Graphs.gaussian(r, 16, 3), Graphs.gaussian(r, 3), 11);
        byte[] withSoftmax = withSoftmaxOutput(fp32);
        QuantizationResult result = Quantizer.quantize(withSoftmax,
                QuantizeSettings.builder().perChannel(true).timingRuns(0).build());
        assertEquals(11, OnnxMl.ModelProto.parseFrom(result.model()).getOpsetImport(0)
                .getVersion());
        assertEquals("per-tensor", result.report().quantized().get(0).granularity());
        assertTrue(result.report().notes().get(0).startsWith(
                "per-channel needs opset 13, the model imports 11"),
                result.report().notes().toString());
    }

    @Test
    void rejectsAnOpsetWithoutDequantizeLinearWhenItCannotBeRaised() throws Exception {
        Random r = new Random(3);
        byte[] fp32 = withSoftmaxOutput(
                Graphs.matMulAdd(Graphs.gaussian(r, 16, 3), Graphs.gaussian(r, 3), 9));
        ModelException e = assertThrows(ModelException.class,
                () -> Quantizer.quantize(fp32, NO_TIMING));
        assertEquals(QuantizeFailure.OPSET_TOO_OLD, e.reason());
        assertTrue(e.getMessage().startsWith("DequantizeLinear needs default-domain opset 10 or"
                + " later, the model imports 9"), e.getMessage());
    }

    /** Renames the Add's output and appends a Softmax (whose meaning changed in opset 13). */
    private static byte[] withSoftmaxOutput(byte[] model) throws Exception {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.parseFrom(model).toBuilder();
        OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
        g.getNodeBuilder(1).setOutput(0, "logits");
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Softmax").setName("softmax")
                .addInput("logits").addOutput(Graphs.OUTPUT));
        return m.build().toByteArray();
    }

    private static void assertSameInterface(byte[] fp32, byte[] int8) throws Exception {
        OnnxMl.GraphProto before = OnnxMl.ModelProto.parseFrom(fp32).getGraph();
        OnnxMl.GraphProto after = OnnxMl.ModelProto.parseFrom(int8).getGraph();
        assertEquals(before.getInputList(), after.getInputList());
        assertEquals(before.getOutputList(), after.getOutputList());
        RuntimeSettings one = RuntimeSettings.defaults();
        try (OnnxModel a = OnnxModel.load("fp32", fp32, one);
                OnnxModel b = OnnxModel.load("int8", int8, one)) {
            assertEquals(a.inputName(), b.inputName());
            assertEquals(a.inputWidth(), b.inputWidth());
            assertEquals(a.outputNames(), b.outputNames());
            assertEquals(a.outputWidth(), b.outputWidth());
        }
    }

    /**
     * ONNX Runtime's output for {@code int8} against {@link DequantizedReference}. The session
     * sets {@code session.qdq_matmulnbits_accuracy_level} to 1 (float): by default ONNX Runtime
     * 1.29 fuses DequantizeLinear + MatMul into an 8-bit MatMulNBits at accuracy level 4, which
     * also rounds the activations to int8, so the graph's exact meaning is checked with that
     * fusion kept in float. Gemm is not fused either way.
     */
    private static void assertMatchesReference(byte[] int8, float[][] rows, double tolerance)
            throws Exception {
        float[] expected = new DequantizedReference(int8).run(rows);
        float[] actual;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.addConfigEntry("session.qdq_matmulnbits_accuracy_level", "1");
            try (OrtSession session = env.createSession(int8, options);
                    OnnxTensor x = OnnxTensor.createTensor(env, buffer(rows),
                            new long[] {rows.length, rows[0].length});
                    OrtSession.Result result = session.run(Map.of(Graphs.INPUT, x))) {
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                actual = new float[out.remaining()];
                out.get(actual);
            }
        }
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(max <= tolerance, "ONNX Runtime vs plain-Java dequantized math: max |diff| "
                + max + ", expected <= " + tolerance);
    }

    private static OnnxMl.NodeProto dequantizer(byte[] model) throws Exception {
        return OnnxMl.ModelProto.parseFrom(model).getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("DequantizeLinear")).findFirst().orElseThrow();
    }

    private static FloatBuffer buffer(float[][] rows) {
        FloatBuffer buf = ByteBuffer.allocateDirect(rows.length * rows[0].length * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (float[] row : rows) {
            buf.put(row);
        }
        return buf.flip();
    }
}
