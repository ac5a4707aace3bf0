package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import io.inferflow.model.ModelException;
import io.inferflow.model.quantize.QuantizationReport.QuantizedOp;
import io.inferflow.model.quantize.QuantizationReport.SkippedOp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rewrites a graph so that the 2-D float weight initializers of MatMul and Gemm become int8
 * initializers behind a DequantizeLinear node whose output keeps the weight's original name:
 * the consuming ops, their attributes (transA, transB, alpha, beta) and the bias stay as they
 * were, so the op computes exactly what it computed before, with dequantized weights. {@link
 * DequantizeOpset} makes DequantizeLinear available first.
 *
 * <p>Size: ~310 lines, because each rewrite rule (MatMul, Gemm with and without transB, shared
 * initializers, refusals) needs its own few lines of protobuf plumbing; split further, the rules
 * would be scattered over classes that each hold one case.
 */
final class WeightRewriter {

    /** The rewritten model and what happened to each op. */
    record Outcome(
            OnnxMl.ModelProto model,
            List<QuantizedOp> quantized,
            List<SkippedOp> skipped,
            List<String> notes,
            boolean perChannel) {}

    /** One input of a MatMul/Gemm that could hold the weight. */
    private record Slot(int node, int input, int axis) {}

    private WeightRewriter() {}

    static Outcome rewrite(OnnxMl.ModelProto model, boolean perChannel, boolean symmetric)
            throws ModelException {
        OnnxMl.GraphProto graph = model.getGraph();
        List<String> notes = new ArrayList<>();
        OnnxMl.ModelProto.Builder out = model.toBuilder();
        boolean axisAllowed = DequantizeOpset.settle(model, out, perChannel, notes);
        boolean usePerChannel = perChannel && axisAllowed;

        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<String, List<Slot>> uses = new HashMap<>();
        for (int n = 0; n < graph.getNodeCount(); n++) {
            OnnxMl.NodeProto node = graph.getNode(n);
            for (int i = 0; i < node.getInputCount(); i++) {
                uses.computeIfAbsent(node.getInput(i), k -> new ArrayList<>())
                        .add(new Slot(n, i, weightAxis(node, i)));
            }
        }
        Set<String> outerScope = new HashSet<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            collectSubgraphInputs(node, outerScope);
        }
        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        // Decide per initializer (once, however many ops share it), then report per node.
        Map<String, String> rejected = new HashMap<>();
        Map<String, Integer> accepted = new LinkedHashMap<>();
        for (Map.Entry<String, List<Slot>> e : uses.entrySet()) {
            String name = e.getKey();
            if (!inits.containsKey(name) || e.getValue().stream().allMatch(s -> s.axis() < 0)) {
                continue;
            }
            String why = whyNot(name, inits.get(name), e.getValue(), graph, outerScope,
                    graphOutputs);
            if (why != null) {
                rejected.put(name, why);
                continue;
            }
            int axis = Int8Weights.PER_TENSOR;
            if (usePerChannel) {
                Set<Integer> axes = new TreeSet<>();
                e.getValue().forEach(s -> axes.add(s.axis()));
                if (axes.size() == 1) {
                    axis = axes.iterator().next();
                } else {
                    notes.add("weight '" + name + "' is read along different output axes "
                            + axes + " by its ops; quantized per tensor");
                }
            }
            accepted.put(name, axis);
        }

        List<QuantizedOp> quantized = new ArrayList<>();
        List<SkippedOp> skipped = new ArrayList<>();
        for (int n = 0; n < graph.getNodeCount(); n++) {
            OnnxMl.NodeProto node = graph.getNode(n);
            report(node, n, inits, accepted, rejected, quantized, skipped);
        }

        Set<String> taken = allNames(graph);
        OnnxMl.GraphProto.Builder g = out.getGraphBuilder();
        g.clearInitializer();
        List<OnnxMl.NodeProto> dequantizers = new ArrayList<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            Integer axis = accepted.get(t.getName());
            if (axis == null) {
                g.addInitializer(t);
                continue;
            }
            int rows = (int) t.getDims(0);
            int cols = (int) t.getDims(1);
            Int8Weights q = Int8Weights.quantize(Tensors.floats(t), rows, cols, axis, symmetric);
            String base = t.getName();
            String values = unique(base + "_quantized", taken);
            String scale = unique(base + "_scale", taken);
            String zeroPoint = unique(base + "_zero_point", taken);
            long[] paramDims = axis == Int8Weights.PER_TENSOR
                    ? new long[0] : new long[] {q.scales.length};
            g.addInitializer(Tensors.int8(values, q.values, rows, cols));
            g.addInitializer(Tensors.floats(scale, q.scales, paramDims));
            g.addInitializer(Tensors.int8(zeroPoint, q.zeroPoints, paramDims));
            OnnxMl.NodeProto.Builder dq =
                    OnnxMl.NodeProto.newBuilder()
                            .setName(unique(base + "_DequantizeLinear", taken))
                            .setOpType("DequantizeLinear")
                            .addInput(values)
                            .addInput(scale)
                            .addInput(zeroPoint)
                            .addOutput(base);
            if (axis != Int8Weights.PER_TENSOR) {
                dq.addAttribute(
                        OnnxMl.AttributeProto.newBuilder()
                                .setName("axis")
                                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                .setI(axis));
            }
            dequantizers.add(dq.build());
        }
        // Old (IR < 4) exporters also list initializers as graph inputs; the weight is now a
        // node output, so it must not stay an input.
        List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>(g.getInputList());
        inputs.removeIf(v -> accepted.containsKey(v.getName()));
        g.clearInput().addAllInput(inputs);
        // Initializers come before every node, so their dequantizers can too.
        List<OnnxMl.NodeProto> nodes = new ArrayList<>(dequantizers);
        nodes.addAll(graph.getNodeList());
        g.clearNode().addAllNode(nodes);
        return new Outcome(out.build(), quantized, skipped, notes, usePerChannel);
    }

    /**
     * The output axis of a weight in input {@code input} of {@code node}, or -1 when that input
     * is not a weight this class quantizes.
     */
    private static int weightAxis(OnnxMl.NodeProto node, int input) {
        switch (node.getOpType()) {
            case "MatMul":
                // Y = A B: output rows follow A's rows, output columns B's columns.
                return input == 0 ? 0 : input == 1 ? 1 : -1;
            case "Gemm":
                // A is [M, K] or, with transA, [K, M]; B is [K, N] or, with transB, [N, K].
                if (input == 0) {
                    return intAttribute(node, "transA") == 0 ? 0 : 1;
                }
                if (input == 1) {
                    return intAttribute(node, "transB") == 0 ? 1 : 0;
                }
                return -1;
            default:
                return -1;
        }
    }

    private static String whyNot(
            String name,
            OnnxMl.TensorProto t,
            List<Slot> slots,
            OnnxMl.GraphProto graph,
            Set<String> outerScope,
            Set<String> graphOutputs) {
        if (!Tensors.isFloat(t)) {
            return "weight '" + name + "' has data type " + t.getDataType() + ", expected FLOAT";
        }
        if (t.getDimsCount() != 2) {
            return "weight '" + name + "' is not a 2-D initializer (dims " + t.getDimsList()
                    + ")";
        }
        if (Tensors.isExternal(t)) {
            return "weight '" + name + "' is stored as external data";
        }
        for (Slot s : slots) {
            if (s.axis() < 0) {
                OnnxMl.NodeProto other = graph.getNode(s.node());
                return "weight '" + name + "' is also read by " + other.getOpType() + " '"
                        + label(other, s.node()) + "'";
            }
        }
        if (outerScope.contains(name)) {
            return "weight '" + name + "' is also read inside a subgraph";
        }
        if (graphOutputs.contains(name)) {
            return "weight '" + name + "' is also a graph output";
        }
        return null;
    }

    private static void report(
            OnnxMl.NodeProto node,
            int index,
            Map<String, OnnxMl.TensorProto> inits,
            Map<String, Integer> accepted,
            Map<String, String> rejected,
            List<QuantizedOp> quantized,
            List<SkippedOp> skipped) {
        String label = label(node, index);
        String op = node.getOpType();
        boolean weightOp = op.equals("MatMul") || op.equals("Gemm");
        if (!weightOp) {
            List<String> floats = new ArrayList<>();
            for (String in : node.getInputList()) {
                OnnxMl.TensorProto t = inits.get(in);
                if (t != null && Tensors.isFloat(t) && !floats.contains(in)) {
                    floats.add(in);
                }
            }
            if (!floats.isEmpty()) {
                skipped.add(new SkippedOp(label, op,
                        "not handled: " + op + " is not quantized; float initializer(s) "
                                + floats + " stay FP32"));
            }
            return;
        }
        List<String> reasons = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < Math.min(2, node.getInputCount()); i++) {
            String in = node.getInput(i);
            Integer axis = accepted.get(in);
            if (axis != null) {
                any = true;
                quantized.add(new QuantizedOp(label, op, in, granularity(axis, inits.get(in))));
            } else if (rejected.containsKey(in)) {
                reasons.add(rejected.get(in));
            }
        }
        if (!any) {
            if (reasons.isEmpty()) {
                String weight = node.getInputCount() > 1 ? node.getInput(1) : "?";
                reasons.add("weight '" + weight + "' is not a 2-D initializer (it is computed"
                        + " in the graph or a graph input)");
            }
            skipped.add(new SkippedOp(label, op, String.join("; ", reasons)));
        }
    }

    private static String granularity(int axis, OnnxMl.TensorProto t) {
        return axis == Int8Weights.PER_TENSOR
                ? "per-tensor"
                : "per-channel, axis " + axis + " (" + t.getDims(axis) + " scales)";
    }

    static String label(OnnxMl.NodeProto node, int index) {
        return node.getName().isEmpty() ? node.getOpType() + "#" + index : node.getName();
    }

    private static int intAttribute(OnnxMl.NodeProto node, String name) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return (int) a.getI();
            }
        }
        return 0;
    }

    private static void collectSubgraphInputs(OnnxMl.NodeProto node, Set<String> names) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            List<OnnxMl.GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (OnnxMl.GraphProto sub : graphs) {
                for (OnnxMl.NodeProto inner : sub.getNodeList()) {
                    names.addAll(inner.getInputList());
                    collectSubgraphInputs(inner, names);
                }
            }
        }
    }

    private static Set<String> allNames(OnnxMl.GraphProto graph) {
        Set<String> names = new HashSet<>();
        graph.getInitializerList().forEach(t -> names.add(t.getName()));
        graph.getInputList().forEach(v -> names.add(v.getName()));
        graph.getOutputList().forEach(v -> names.add(v.getName()));
        graph.getValueInfoList().forEach(v -> names.add(v.getName()));
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            names.add(node.getName());
            names.addAll(node.getInputList());
            names.addAll(node.getOutputList());
        }
        return names;
    }

    private static String unique(String base, Set<String> taken) {
        String name = base;
        for (int i = 1; taken.contains(name); i++) {
            name = base + "_" + i;
        }
        taken.add(name);
        return name;
    }
}
