package io.inferflow.model;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import com.google.protobuf.InvalidProtocolBufferException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's outputs as the loader serves them, checked at load, and which of them a prediction
 * reads as its label and its class probabilities.
 *
 * <p>Served: numeric tensors (float, double, int64, int32) and string tensors of any rank whose
 * first dimension is the batch, and ZipMap's sequence of maps from int64 or string class labels
 * to float probabilities, read in the class order of the ZipMap node. Anything else is rejected
 * at load ({@link LoadFailure#WRONG_OUTPUT_TYPE}), as is an output with no batch dimension or a
 * fixed first dimension ({@link LoadFailure#WRONG_OUTPUT_SHAPE}): such a model could never serve
 * a batch.
 *
 * <p>The <b>label</b> is the first int64 or string output with one value per row whose name
 * contains "label" (skl2onnx's {@code output_label}, onnxmltools' {@code label}). The <b>class
 * probabilities</b> are the first class map, or else the first float output with one value per
 * class whose name contains "prob" when a classifier node of the graph declares its class labels
 * ({@code classlabels_int64s}, {@code classlabels_ints} or {@code classlabels_strings}) and their
 * number matches.
 *
 * @param outputs every output, in session order
 * @param label the index of the label output, -1 when none
 * @param probabilities the index of the class probabilities output, -1 when none
 * @param classes the class labels of {@code probabilities}, in its order; empty when none
 */
public record OutputLayout(
        List<OutputSpec> outputs, int label, int probabilities, List<String> classes) {

    public OutputLayout {
        outputs = List.copyOf(outputs);
        classes = List.copyOf(classes);
    }

    /** Values per row over the numeric outputs and class maps (the width of {@code scores}). */
    int numericWidthOrMinusOne() {
        int width = 0;
        for (OutputSpec o : outputs) {
            if (!o.numeric()) {
                continue;
            }
            long per = 1;
            for (long d : o.perRow()) {
                if (d < 0) {
                    return -1;
                }
                per *= d;
            }
            width += (int) per;
        }
        return width;
    }

    /** Reads and checks the outputs of {@code session}, whose graph is {@code bytes}. */
    static OutputLayout inspect(String label, OrtSession session, byte[] bytes)
            throws OrtException, ModelException {
        GraphClasses graph = GraphClasses.of(bytes);
        List<OutputSpec> outputs = new ArrayList<>();
        for (NodeInfo output : session.getOutputInfo().values()) {
            outputs.add(spec(label, output, graph));
        }
        int labelIndex = -1;
        int probabilities = -1;
        List<String> classes = List.of();
        for (int i = 0; i < outputs.size(); i++) {
            OutputSpec o = outputs.get(i);
            boolean single = o.perRow().isEmpty() || o.perRow().equals(List.of(1L));
            if (labelIndex < 0 && single
                    && (o.elementType().equals("INT64") || o.elementType().equals("STRING"))
                    && o.name().toLowerCase(Locale.ROOT).contains("label")) {
                labelIndex = i;
            }
            if (probabilities < 0 && o.kind() == OutputSpec.Kind.CLASS_MAP) {
                probabilities = i;
                classes = o.classes();
            }
        }
        if (probabilities < 0 && graph.classifierClasses != null) {
            for (int i = 0; i < outputs.size(); i++) {
                OutputSpec o = outputs.get(i);
                if (o.kind() == OutputSpec.Kind.NUMERIC && o.elementType().equals("FLOAT")
                        && o.name().toLowerCase(Locale.ROOT).contains("prob")
                        && o.perRow().equals(List.of((long) graph.classifierClasses.size()))) {
                    probabilities = i;
                    classes = graph.classifierClasses;
                    break;
                }
            }
        }
        return new OutputLayout(outputs, labelIndex, probabilities, classes);
    }

    private static OutputSpec spec(String label, NodeInfo output, GraphClasses graph)
            throws ModelException {
        String name = output.getName();
        ValueInfo info = output.getInfo();
        if (info instanceof TensorInfo tensor) {
            long[] shape = tensor.getShape();
            if (shape.length == 0) {
                throw new ModelException(LoadFailure.WRONG_OUTPUT_SHAPE,
                        label + ": output '" + name + "' is a scalar; every output's first"
                                + " dimension must be the batch");
            }
            if (shape[0] > 0) {
                throw new ModelException(LoadFailure.WRONG_OUTPUT_SHAPE,
                        label + ": output '" + name + "' has shape " + Arrays.toString(shape)
                                + ", a fixed first dimension of " + shape[0] + "; every output's"
                                + " first dimension must be the batch (export it dynamic)");
            }
            List<Long> perRow = new ArrayList<>();
            for (int i = 1; i < shape.length; i++) {
                perRow.add(shape[i] < 0 ? -1L : shape[i]);
            }
            if (tensor.type == OnnxJavaType.STRING) {
                return new OutputSpec(name, OutputSpec.Kind.STRING, "STRING", perRow, List.of());
            }
            if (isNumeric(tensor.type)) {
                return new OutputSpec(name, OutputSpec.Kind.NUMERIC, tensor.type.name(), perRow,
                        List.of());
            }
            throw new ModelException(LoadFailure.WRONG_OUTPUT_TYPE,
                    label + ": output '" + name + "' is a " + tensor.type + " tensor; served"
                            + " outputs are float, double, int64, int32 and string tensors and"
                            + " ZipMap's sequence of maps");
        }
        if (info instanceof SequenceInfo seq && seq.sequenceOfMaps) {
            MapInfo map = seq.mapInfo;
            boolean keys = map.keyType == OnnxJavaType.INT64 || map.keyType == OnnxJavaType.STRING;
            boolean floats = map.valueType == OnnxJavaType.FLOAT
                    || map.valueType == OnnxJavaType.DOUBLE;
            if (keys && floats) {
                List<String> classes = graph.zipMapClasses.get(name);
                if (classes == null) {
                    throw new ModelException(LoadFailure.WRONG_OUTPUT_TYPE,
                            label + ": output '" + name + "' is " + info + " but no ZipMap node"
                                    + " of the graph writes it, so its class order is unknown");
                }
                return new OutputSpec(name, OutputSpec.Kind.CLASS_MAP, map.keyType.name(),
                        List.of((long) classes.size()), classes);
            }
        }
        throw new ModelException(LoadFailure.WRONG_OUTPUT_TYPE,
                label + ": output '" + name + "' is " + info + "; served outputs are float,"
                        + " double, int64, int32 and string tensors and ZipMap's sequence of"
                        + " maps from int64 or string labels to float");
    }

    private static boolean isNumeric(OnnxJavaType type) {
        return type == OnnxJavaType.FLOAT
                || type == OnnxJavaType.DOUBLE
                || type == OnnxJavaType.INT64
                || type == OnnxJavaType.INT32;
    }

    /** Class labels the graph declares: per ZipMap output, and of its first classifier node. */
    private static final class GraphClasses {
        final Map<String, List<String>> zipMapClasses = new HashMap<>();
        List<String> classifierClasses;

        static GraphClasses of(byte[] bytes) {
            GraphClasses classes = new GraphClasses();
            if (bytes == null) {
                return classes;
            }
            OnnxMl.ModelProto model;
            try {
                model = OnnxMl.ModelProto.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                // ONNX Runtime loaded it, so this parser's view is only missing: no classes.
                return classes;
            }
            for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
                List<String> labels = labels(node);
                if (labels == null) {
                    continue;
                }
                if (node.getOpType().equals("ZipMap")) {
                    classes.zipMapClasses.put(node.getOutput(0), labels);
                } else if (node.getOpType().endsWith("Classifier")
                        && classes.classifierClasses == null) {
                    classes.classifierClasses = labels;
                }
            }
            return classes;
        }

        private static List<String> labels(OnnxMl.NodeProto node) {
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                switch (a.getName()) {
                    case "classlabels_int64s":
                    case "classlabels_ints":
                        return a.getIntsList().stream().map(String::valueOf).toList();
                    case "classlabels_strings":
                        return a.getStringsList().stream()
                                .map(com.google.protobuf.ByteString::toStringUtf8).toList();
                    default:
                        break;
                }
            }
            return null;
        }
    }
}
