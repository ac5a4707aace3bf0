package io.inferflow.model.quantize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;

/**
 * What {@link Quantizer} did to a model and how the result compares with FP32: sizes, the ops it
 * quantized and skipped (with reasons), deviation and decision agreement on sample rows, and
 * ONNX Runtime time per batch. Printed by {@link #format()}, written as JSON by {@link #toJson()}.
 *
 * @param sizeBefore bytes of the FP32 model
 * @param sizeAfter bytes of the quantized model
 * @param form how weights are represented, e.g. {@code int8 weight-only QDQ, per-channel,
 *     symmetric}
 * @param quantized the ops whose weights were quantized
 * @param skipped the MatMul/Gemm ops that stay FP32 and other ops that read float initializers
 * @param notes decisions the caller should know about (opset raised, per-channel fallback)
 * @param rows how many rows the deviation and agreement were measured on
 * @param rowsGenerated whether those rows were generated (N(0, 1)) rather than given
 * @param maxAbsDeviation largest |INT8 - FP32| over every output value of every row
 * @param meanAbsDeviation mean |INT8 - FP32| over every output value of every row
 * @param decisionRule {@code threshold 0.5} (one output value per row) or {@code argmax}
 * @param agreement share of rows whose decision is the same for FP32 and INT8, 0 to 1
 * @param intraOpThreads ONNX Runtime intra-op threads used for the timings
 * @param timings median time per batch; empty when timing was switched off
 */
public record QuantizationReport(
        long sizeBefore,
        long sizeAfter,
        String form,
        List<QuantizedOp> quantized,
        List<SkippedOp> skipped,
        List<String> notes,
        int rows,
        boolean rowsGenerated,
        double maxAbsDeviation,
        double meanAbsDeviation,
        String decisionRule,
        double agreement,
        int intraOpThreads,
        List<BatchTiming> timings) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public QuantizationReport {
        quantized = List.copyOf(quantized);
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
        timings = List.copyOf(timings);
    }

    /** An op whose weight initializer is now int8. */
    public record QuantizedOp(String node, String opType, String weight, String granularity) {}

    /** An op that stays FP32, and why. */
    public record SkippedOp(String node, String opType, String reason) {}

    /** Median ONNX Runtime time of one batch, in microseconds. */
    public record BatchTiming(int batch, double fp32Micros, double int8Micros) {}

    /** How many times smaller the quantized file is. */
    public double sizeRatio() {
        return sizeAfter == 0 ? 0 : (double) sizeBefore / sizeAfter;
    }

    /** The report as lines of text for a terminal. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "form:        %s%n", form));
        sb.append(String.format(Locale.ROOT, "size:        %,d -> %,d bytes (%.2fx smaller)%n",
                sizeBefore, sizeAfter, sizeRatio()));
        sb.append(String.format(Locale.ROOT, "quantized:   %d op(s)%n", quantized.size()));
        for (QuantizedOp op : quantized) {
            sb.append(String.format(Locale.ROOT, "  %s '%s': weight '%s', %s%n",
                    op.opType(), op.node(), op.weight(), op.granularity()));
        }
        sb.append(String.format(Locale.ROOT, "kept FP32:   %d op(s)%n", skipped.size()));
        for (SkippedOp op : skipped) {
            sb.append(String.format(Locale.ROOT, "  %s '%s': %s%n",
                    op.opType(), op.node(), op.reason()));
        }
        for (String note : notes) {
            sb.append("note:        ").append(note).append(System.lineSeparator());
        }
        sb.append(String.format(Locale.ROOT,
                "deviation:   max %.6f, mean %.6f (absolute, %d %s rows)%n",
                maxAbsDeviation, meanAbsDeviation, rows, rowsGenerated ? "generated" : "sample"));
        sb.append(String.format(Locale.ROOT, "agreement:   %.2f%% of rows (%s)%n",
                agreement * 100, decisionRule));
        if (!timings.isEmpty()) {
            sb.append(String.format(Locale.ROOT,
                    "time/batch:  median µs, ONNX Runtime, %d intra-op thread(s)%n",
                    intraOpThreads));
            sb.append(String.format(Locale.ROOT, "  %6s %12s %12s%n", "batch", "FP32", "INT8"));
            for (BatchTiming t : timings) {
                sb.append(String.format(Locale.ROOT, "  %6d %12.1f %12.1f%n",
                        t.batch(), t.fp32Micros(), t.int8Micros()));
            }
        }
        return sb.toString();
    }

    /** The report as a JSON object (field names in snake case). */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode json = f.objectNode();
        json.put("size_before", sizeBefore);
        json.put("size_after", sizeAfter);
        json.put("size_ratio", sizeRatio());
        json.put("form", form);
        ArrayNode q = json.putArray("quantized");
        for (QuantizedOp op : quantized) {
            q.addObject()
                    .put("node", op.node())
                    .put("op_type", op.opType())
                    .put("weight", op.weight())
                    .put("granularity", op.granularity());
        }
        ArrayNode s = json.putArray("skipped");
        for (SkippedOp op : skipped) {
            s.addObject().put("node", op.node()).put("op_type", op.opType())
                    .put("reason", op.reason());
        }
        ArrayNode n = json.putArray("notes");
        notes.forEach(n::add);
        json.put("rows", rows);
        json.put("rows_generated", rowsGenerated);
        json.put("max_abs_deviation", maxAbsDeviation);
        json.put("mean_abs_deviation", meanAbsDeviation);
        json.put("decision_rule", decisionRule);
        json.put("agreement", agreement);
        json.put("intra_op_threads", intraOpThreads);
        ArrayNode t = json.putArray("timings_us");
        for (BatchTiming bt : timings) {
            t.addObject()
                    .put("batch", bt.batch())
                    .put("fp32", bt.fp32Micros())
                    .put("int8", bt.int8Micros());
        }
        return json;
    }

    /** {@link #toJson()} as a string. */
    public String toJsonString() {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values cannot fail to serialize", e);
        }
    }
}
