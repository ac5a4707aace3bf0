package io.inferflow.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a servable model takes and gives: one float32 input {@code [batch, inputWidth]} named
 * {@code inputName}, with a dynamic batch, and numeric tensor outputs, in session order.
 *
 * <p>It is also a model's <em>input contract</em>: a version that replaces a serving one must
 * keep it ({@link #incompatibility}), since producers keep sending what the serving one takes and
 * consumers keep reading what it gives. The element type is float32 by construction.
 *
 * @param inputName the input's name in the graph
 * @param inputWidth the number of features per row
 * @param outputNames the outputs' names, flattened in this order by {@link OnnxModel#score}
 * @param outputShapes each output's shape per row, in the order of {@code outputNames}: the
 *     session's dimensions after the first (the batch), {@code -1} where a dimension is dynamic;
 *     empty for a rank-1 output {@code [batch]} (one value per row) or one whose shape the graph
 *     does not declare
 */
public record ModelSignature(
        String inputName, int inputWidth, List<String> outputNames, List<List<Long>> outputShapes) {

    public ModelSignature {
        Objects.requireNonNull(inputName, "inputName");
        if (inputWidth < 1) {
            throw new IllegalArgumentException(
                    "input width must be at least 1, got " + inputWidth);
        }
        outputNames = List.copyOf(outputNames);
        List<List<Long>> shapes = new ArrayList<>(outputShapes.size());
        for (List<Long> shape : outputShapes) {
            shapes.add(List.copyOf(shape));
        }
        outputShapes = List.copyOf(shapes);
        if (outputShapes.size() != outputNames.size()) {
            throw new IllegalArgumentException(
                    outputNames.size() + " output names " + outputNames + " but "
                            + outputShapes.size() + " output shapes " + outputShapes);
        }
    }

    /**
     * Why a version with this signature cannot replace one whose signature is {@code serving}:
     * every difference in input width, input name, output names and per-row output shapes, each
     * naming both sides, joined by {@code "; "}; null when it keeps the contract.
     *
     * <pre>{@code
     * v7.incompatibility("model 'fraud' v7", v3, "v3 serving now")
     * // "model 'fraud' v7 takes 8 features, v3 serving now takes 16"
     * }</pre>
     *
     * @param label how to name this version, e.g. {@code model 'fraud' v7}
     * @param servingLabel how to name the other one, e.g. {@code v3 serving now}
     */
    public String incompatibility(String label, ModelSignature serving, String servingLabel) {
        List<String> differences = new ArrayList<>();
        String input =
                inputIncompatibility(
                        label, inputName, inputWidth,
                        servingLabel, serving.inputName, serving.inputWidth);
        if (input != null) {
            differences.add(input);
        }
        if (!outputNames.equals(serving.outputNames)) {
            differences.add(
                    label + "'s outputs are " + outputNames + ", " + servingLabel + " gives "
                            + serving.outputNames);
        } else {
            for (int i = 0; i < outputNames.size(); i++) {
                if (!outputShapes.get(i).equals(serving.outputShapes.get(i))) {
                    differences.add(
                            label + "'s output '" + outputNames.get(i) + "' has per-row shape "
                                    + shape(outputShapes.get(i)) + ", " + servingLabel
                                    + " gives " + shape(serving.outputShapes.get(i)));
                }
            }
        }
        return differences.isEmpty() ? null : String.join("; ", differences);
    }

    /**
     * Like {@link #incompatibility}, for the input alone where one side or both may be known
     * only by what a control record declares: a null name or a width of 0 is not known and not
     * compared. Null when nothing known differs.
     */
    public static String inputIncompatibility(
            String label,
            String inputName,
            int inputWidth,
            String servingLabel,
            String servingInputName,
            int servingInputWidth) {
        List<String> differences = new ArrayList<>();
        if (inputWidth > 0 && servingInputWidth > 0 && inputWidth != servingInputWidth) {
            differences.add(
                    label + " takes " + inputWidth + " features, " + servingLabel + " takes "
                            + servingInputWidth);
        }
        if (inputName != null
                && servingInputName != null
                && !inputName.equals(servingInputName)) {
            differences.add(
                    label + "'s input is named '" + inputName + "', " + servingLabel
                            + " reads '" + servingInputName + "'");
        }
        return differences.isEmpty() ? null : String.join("; ", differences);
    }

    /** {@code [4, ?]}: a per-row shape with its dynamic dimensions as {@code ?}. */
    private static String shape(List<Long> dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(dims.get(i) < 0 ? "?" : dims.get(i).toString());
        }
        return sb.append(']').toString();
    }

    /**
     * Reads a session's signature and checks it: exactly one float32 input {@code [batch,
     * width]} with a dynamic batch and, where given, the name and width a descriptor declares;
     * numeric tensor outputs. The first failed check is a {@link ModelException} whose reason is
     * a {@code WRONG_*} {@link LoadFailure}.
     *
     * @param label how error messages name the model, e.g. {@code model 'fraud' v3}
     * @param expectedName the input's expected name, or null to accept any
     * @param expectedWidth the input's expected width, or 0 to accept any
     */
    static ModelSignature inspect(
            String label,
            OrtSession session,
            OutputLayout layout,
            String expectedName,
            int expectedWidth)
            throws ModelException, OrtException {
        NodeInfo input = checkInput(label, session);
        int width = (int) ((TensorInfo) input.getInfo()).getShape()[1];
        checkExpected(label, input.getName(), width, expectedName, expectedWidth);
        List<String> outputNames = new ArrayList<>();
        List<List<Long>> outputShapes = new ArrayList<>();
        for (OutputSpec output : layout.outputs()) {
            outputNames.add(output.name());
            outputShapes.add(output.perRow());
        }
        return new ModelSignature(input.getName(), width, outputNames, outputShapes);
    }

    /** The input checks of {@link #inspect}, which come before any check of the outputs. */
    static NodeInfo checkInput(String label, OrtSession session)
            throws OrtException, ModelException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_COUNT,
                    label + " has " + inputs.size() + " inputs " + inputs.keySet()
                            + ", expected exactly one float32 input of shape [batch, width]");
        }
        NodeInfo input = inputs.values().iterator().next();
        ValueInfo info = input.getInfo();
        if (!(info instanceof TensorInfo)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' is " + info
                            + ", expected a float32 tensor");
        }
        TensorInfo tensor = (TensorInfo) info;
        if (tensor.type != OnnxJavaType.FLOAT) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' has type "
                            + tensor.type + ", expected FLOAT (float32)");
        }
        long[] shape = tensor.getShape();
        if (shape.length != 2 || shape[1] <= 0) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has shape "
                            + Arrays.toString(shape)
                            + ", expected [batch, width] with a fixed width");
        }
        if (shape[0] > 0) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has a fixed batch size "
                            + shape[0] + "; export it with a dynamic first dimension");
        }
        return input;
    }

    private static void checkExpected(
            String label, String input, int width, String expectedName, int expectedWidth)
            throws ModelException {
        if (expectedName != null && !expectedName.equals(input)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_NAME,
                    label + ": input is named '" + input + "', the descriptor says '"
                            + expectedName + "'");
        }
        if (expectedWidth > 0 && expectedWidth != width) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_WIDTH,
                    label + ": input '" + input + "' has width " + width
                            + ", the descriptor says " + expectedWidth);
        }
    }
}
