package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import io.inferflow.model.ModelException;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The default-domain opset a quantized graph needs for its DequantizeLinear nodes: raised to
 * {@value #PER_AXIS_OPSET} when the graph's ops mean the same there, else kept (per tensor only
 * from {@value #DEQUANTIZE_OPSET}), else the model is refused with {@link
 * QuantizeFailure#OPSET_TOO_OLD}.
 */
final class DequantizeOpset {

    /** DequantizeLinear with an axis attribute (per-channel) needs opset 13. */
    static final int PER_AXIS_OPSET = 13;
    /** DequantizeLinear exists from opset 10. */
    static final int DEQUANTIZE_OPSET = 10;

    /** Ops whose meaning for float tensors is the same from opset 7 to 13. */
    private static final Set<String> SAFE_TO_RAISE =
            Set.of("MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh",
                    "Identity");

    private DequantizeOpset() {}

    /**
     * Makes sure DequantizeLinear is available, raising the default-domain opset when the graph
     * only uses ops whose meaning does not change. Returns whether per-axis DequantizeLinear is.
     */
    static boolean settle(
            OnnxMl.ModelProto model,
            OnnxMl.ModelProto.Builder out,
            boolean perChannel,
            List<String> notes)
            throws ModelException {
        int index = -1;
        for (int i = 0; i < model.getOpsetImportCount(); i++) {
            String domain = model.getOpsetImport(i).getDomain();
            if (domain.isEmpty() || domain.equals("ai.onnx")) {
                index = i;
            }
        }
        long opset = index < 0 ? 0 : model.getOpsetImport(index).getVersion();
        if (opset >= PER_AXIS_OPSET) {
            return true;
        }
        Set<String> ops = new TreeSet<>();
        boolean subgraphs = false;
        for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
            ops.add(node.getOpType());
            subgraphs |= node.getAttributeList().stream()
                    .anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
        }
        if (opset >= 7 && !subgraphs && SAFE_TO_RAISE.containsAll(ops)) {
            out.setOpsetImport(index, out.getOpsetImport(index).toBuilder()
                    .setVersion(PER_AXIS_OPSET));
            out.setIrVersion(Math.max(model.getIrVersion(), 7));
            notes.add("default-domain opset raised from " + opset + " to " + PER_AXIS_OPSET
                    + " for DequantizeLinear (the graph's ops " + ops
                    + " mean the same at both)");
            return true;
        }
        if (opset >= DEQUANTIZE_OPSET) {
            if (perChannel) {
                notes.add("per-channel needs opset " + PER_AXIS_OPSET + ", the model imports "
                        + opset + " and uses ops " + ops + " that may change meaning if it were"
                        + " raised; quantized per tensor instead");
            }
            return false;
        }
        throw new ModelException(
                QuantizeFailure.OPSET_TOO_OLD,
                "DequantizeLinear needs default-domain opset " + DEQUANTIZE_OPSET
                        + " or later, the model imports " + opset + " and uses ops " + ops
                        + " whose meaning may change if it were raised; re-export it at opset "
                        + PER_AXIS_OPSET + " or later");
    }
}
