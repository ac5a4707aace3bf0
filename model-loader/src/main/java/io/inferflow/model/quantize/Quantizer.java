package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import io.inferflow.model.ModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/**
 * Weight-only INT8 quantization of an ONNX model's MatMul and Gemm weights, in Java, with a
 * report that proves the result against FP32 before it ships.
 *
 * <pre>{@code
 * QuantizationResult result = Quantizer.quantize(fp32Bytes,
 *         QuantizeSettings.builder().perChannel(true).maxDeviation(0.01).build());
 * Files.write(out, result.model());
 * System.out.print(result.report().format());
 * }</pre>
 *
 * <p><b>What is rewritten.</b> A 2-D float initializer read as B (or A) by MatMul or Gemm becomes
 * an int8 initializer plus a float scale and an int8 zero point, per tensor or per output channel
 * (the channel axis follows the op: column of MatMul's B, row of its A; for Gemm the axis flips
 * with transB/transA, so PyTorch's {@code [out, in]} weights with transB=1 get axis 0). A
 * DequantizeLinear node in front of the op produces the float weight under its original name, so
 * the op, transA/transB/alpha/beta and the bias C are untouched and compute exactly what they did
 * with the dequantized weight. An initializer shared by several ops is quantized once. Biases,
 * other ops and weights that are read by anything else stay FP32 and are listed in the report.
 *
 * <p><b>Why DequantizeLinear (QDQ) and not MatMulInteger.</b> Both forms were built for the
 * wide MLP (256→1024→1024→1, per-tensor symmetric weights) and run on ONNX Runtime 1.29 on this
 * project's 2-core AMD EPYC (AVX-512 VNNI), 1 intra-op thread, median of 21 runs
 * ({@code GraphFormMeasurement} in the tests):
 *
 * <pre>
 *  batch      FP32 µs    QDQ µs   MatMulInteger µs
 *      1        256        411        146
 *     64      2,531      3,422        874
 *    256     16,106     18,386      3,731
 * file: FP32 5,255,577 B, QDQ 1,320,750 B, MatMulInteger 1,321,473 B
 * max |INT8 - FP32| on 256 N(0,1) rows: QDQ 0.0027, MatMulInteger 0.0039
 * </pre>
 *
 * <p>ONNX Runtime does not fuse DequantizeLinear into Gemm and does not constant-fold it, so
 * QDQ dequantizes Gemm weights on every run: 1.1–1.6x <i>slower</i> than FP32 on CPU.
 * MatMulInteger (fused by ONNX Runtime into DynamicQuantizeMatMul) is 1.8–4.3x faster. For
 * DequantizeLinear + <i>MatMul</i>, ONNX Runtime 1.29 (extended optimizations) fuses the pair
 * into an 8-bit {@code MatMulNBits}; at its default {@code session.qdq_matmulnbits_accuracy_level}
 * of 4 that also rounds activations to int8: a 1024x1024 MatMul + Add at batch 64 ran in 1,694
 * µs vs 2,298 FP32 (1.4x faster), but 0.38 away from the dequantized float math; at accuracy
 * level 1 (float) it matched to 2e-5 and took 4,041 µs. We write QDQ, deliberately:
 *
 * <ul>
 *   <li>accuracy: activations stay float, only weights are rounded (for MatMul graphs, unless
 *       ONNX Runtime's MatMulNBits fusion runs at accuracy level 4, see above; the report then
 *       measures that); dynamic quantization also
 *       rounds every activation to uint8 with a per-batch range, so a row's score depends on
 *       the other rows in its micro-batch, and the deviation is larger (0.0039 vs 0.0027 above);
 *   <li>provability: the int8 model is exactly "the FP32 op on dequantized weights", which a
 *       plain-Java reference reproduces to 1e-5 (the acceptance check), and transA/transB/
 *       alpha/beta/bias are untouched instead of re-expressed in Transpose/Mul/Add nodes;
 *   <li>portability: DequantizeLinear runs on every execution provider (CUDA included), while
 *       DynamicQuantizeLinear/MatMulInteger are CPU kernels, and u8s8 MatMulInteger can saturate
 *       on AVX2 CPUs without VNNI.
 * </ul>
 *
 * <p>So today INT8 buys a 4x smaller file and faster loads/pushes, not CPU speed on Gemm models.
 * The report's deviation and timings are measured with {@link io.inferflow.model.OnnxModel}'s
 * serving settings, so whatever ONNX Runtime fuses is what the report describes. A dynamic form
 * for CPU task managers is the follow-up if speed matters more than per-row determinism; the
 * measurement harness already builds it.
 *
 * @see QuantizationReport
 */
public final class Quantizer {

    private static final Logger LOG = LoggerFactory.getLogger(Quantizer.class);

    private Quantizer() {}

    /**
     * Quantizes {@code fp32} and compares the result with it on ONNX Runtime.
     *
     * @throws QuantizationException reason {@link QuantizeFailure#DEVIATION_EXCEEDED} when
     *     {@link QuantizeSettings#maxDeviation()} is set and exceeded; its report has the numbers
     * @throws ModelException when the bytes are not an ONNX model, the model cannot be loaded or
     *     run, or its opset is too old for DequantizeLinear
     */
    public static QuantizationResult quantize(byte[] fp32, QuantizeSettings options)
            throws ModelException {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(fp32);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(
                    QuantizeFailure.NOT_ONNX,
                    "expected an ONNX ModelProto, could not parse the "
                            + fp32.length + " bytes: " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new ModelException(
                    QuantizeFailure.NOT_ONNX,
                    "expected an ONNX model with a graph, the " + fp32.length
                            + " bytes parse to a model without nodes");
        }
        WeightRewriter.Outcome outcome =
                WeightRewriter.rewrite(model, options.perChannel(), options.symmetric());
        if (outcome.quantized().isEmpty()) {
            java.util.Set<String> ops = new java.util.TreeSet<>();
            model.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
            throw new ModelException(
                    QuantizeFailure.NOTHING_TO_QUANTIZE,
                    "the model has no MatMul or Gemm weight to quantize (its ops: "
                            + String.join(", ", ops) + "); INT8 rewrites only those, so tree"
                            + " ensembles and ai.onnx.ml linear models stay FP32: push the file"
                            + " as it is"
                            + (outcome.skipped().isEmpty() ? ""
                                    : " (" + outcome.skipped().size() + " MatMul/Gemm op(s)"
                                            + " kept FP32, see --json)"));
        }
        byte[] int8 = outcome.model().toByteArray();
        String form = "int8 weight-only QDQ (DequantizeLinear), "
                + (outcome.perChannel() ? "per-channel" : "per-tensor") + ", "
                + (options.symmetric() ? "symmetric" : "asymmetric");
        return compared(fp32, int8, form, outcome.quantized(), outcome.skipped(),
                outcome.notes(), options);
    }

    /**
     * Converts {@code fp32} to float16 weights ({@link Fp16Converter}, for GPU task managers) and
     * compares the result with it on ONNX Runtime, like {@link #quantize}.
     */
    public static QuantizationResult toFp16(byte[] fp32, QuantizeSettings options)
            throws ModelException {
        byte[] fp16 = Fp16Converter.convert(fp32);
        return compared(
                fp32, fp16, "fp16 (float16 initializers, Cast at the float32 boundaries)",
                List.of(), List.of(),
                List.of("all float initializers stored as float16; CPU runs it through Casts"),
                options);
    }

    /** Measures {@code converted} against {@code fp32} and enforces the deviation limit. */
    private static QuantizationResult compared(
            byte[] fp32,
            byte[] converted,
            String form,
            List<QuantizationReport.QuantizedOp> quantized,
            List<QuantizationReport.SkippedOp> skipped,
            List<String> notes,
            QuantizeSettings options)
            throws ModelException {
        Comparison cmp = Comparison.run(fp32, converted, options);
        QuantizationReport report =
                new QuantizationReport(
                        fp32.length,
                        converted.length,
                        form,
                        quantized,
                        skipped,
                        notes,
                        cmp.rows,
                        cmp.generated,
                        cmp.maxAbs,
                        cmp.meanAbs,
                        cmp.decisionRule,
                        cmp.agreement,
                        cmp.intraOpThreads,
                        cmp.timings);
        LOG.info(
                "{}: converted {} op(s), kept {} FP32; {} -> {} bytes; max deviation {} on {}"
                        + " rows",
                form,
                report.quantized().size(),
                report.skipped().size(),
                report.sizeBefore(),
                report.sizeAfter(),
                report.maxAbsDeviation(),
                report.rows());
        Double limit = options.maxDeviation();
        if (limit != null && !(report.maxAbsDeviation() <= limit)) {
            throw new QuantizationException(
                    QuantizeFailure.DEVIATION_EXCEEDED,
                    String.format(Locale.ROOT,
                            "max absolute deviation %.6f exceeds --max-deviation %s (on %d %s"
                                    + " rows; mean %.6f, decisions agree on %.2f%%); the"
                                    + " converted model was not accepted",
                            report.maxAbsDeviation(), limit, report.rows(),
                            report.rowsGenerated() ? "generated" : "sample",
                            report.meanAbsDeviation(), report.agreement() * 100),
                    report);
        }
        return new QuantizationResult(converted, report);
    }
}
