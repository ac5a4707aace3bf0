package io.inferflow.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a servable model takes and gives: one or more inputs ({@link InputSpec}: float32, int64
 * or string tensors {@code [batch, width]} or {@code [batch]}, with a dynamic batch), and outputs
 * whose first dimension is the batch, in session order.
 *
 * <p>It is also a model's <em>input contract</em>: a version that replaces a serving one must
 * keep it ({@link #incompatibility}), since producers keep sending what the serving one takes and
 * consumers keep reading what it gives.
 *
 * @param inputs the inputs in graph order
 * @param outputNames the outputs' names, flattened in this order by {@link OnnxModel#score}
 * @param outputShapes each output's shape per row, in the order of {@code outputNames}: the
 *     session's dimensions after the first (the batch), {@code -1} where a dimension is dynamic;
 *     empty for a rank-1 output {@code [batch]} (one value per row) or one whose shape the graph
 *     does not declare
 */
public record ModelSignature(
        List<InputSpec> inputs, List<String> outputNames, List<List<Long>> outputShapes) {

    public ModelSignature {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a model takes at least one input");
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

    /** A model with one float32 input {@code [batch, inputWidth]}. */
    public ModelSignature(
            String inputName, int inputWidth, List<String> outputNames,
            List<List<Long>> outputShapes) {
        this(List.of(floatInput(inputName, inputWidth)), outputNames, outputShapes);
    }

    private static InputSpec floatInput(String name, int width) {
        if (width < 1) {
            throw new IllegalArgumentException("input width must be at least 1, got " + width);
        }
        return InputSpec.floats(name, width);
    }

    /**
     * The input's name, or with several inputs their names joined by {@code ","} in graph
     * order: what a control record's {@code input_name} declares.
     */
    public String inputName() {
        return inputs.size() == 1 ? inputs.get(0).name() : joinedNames(inputs);
    }

    /** The values a row carries over all inputs: a control record's {@code input_width}. */
    public int inputWidth() {
        int width = 0;
        for (InputSpec input : inputs) {
            width += input.width();
        }
        return width;
    }

    /**
     * The numeric (float32 and int64) values a row carries, in input order: what drift profiles
     * count as features. Equals {@link #inputWidth()} unless the model has string inputs.
     */
    public int numericWidth() {
        int width = 0;
        for (InputSpec input : inputs) {
            width += input.kind().numeric() ? input.width() : 0;
        }
        return width;
    }

    /**
     * Whether the model takes one float32 input, which events may feed from their flat {@code
     * features} array; any other model reads its inputs from an event's named inputs.
     */
    public boolean flat() {
        return inputs.size() == 1 && inputs.get(0).kind() == InputSpec.Kind.FLOAT;
    }

    private static String joinedNames(List<InputSpec> inputs) {
        StringBuilder sb = new StringBuilder();
        for (InputSpec input : inputs) {
            sb.append(sb.length() == 0 ? "" : ",").append(input.name());
        }
        return sb.toString();
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
        String input;
        if (flat() && serving.flat()) {
            input = inputIncompatibility(
                    label, inputName(), inputWidth(),
                    servingLabel, serving.inputName(), serving.inputWidth());
        } else {
            input = sameInputs(inputs, serving.inputs)
                    ? null
                    : label + " takes inputs " + inputs + ", " + servingLabel + " takes inputs "
                            + serving.inputs;
        }
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

    /** Same names, kinds and widths in the same order (a rank-1 input equals width 1). */
    private static boolean sameInputs(List<InputSpec> a, List<InputSpec> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            InputSpec x = a.get(i);
            InputSpec y = b.get(i);
            if (!x.name().equals(y.name()) || x.kind() != y.kind() || x.width() != y.width()) {
                return false;
            }
        }
        return true;
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
     * Reads a session's signature and checks it: float32, int64 or string inputs {@code [batch,
     * width]} or {@code [batch]} with a dynamic batch and, where given, the name and width a
     * descriptor declares ({@link #inputName()}, {@link #inputWidth()}); outputs as {@code
     * layout} read them. The first failed check is a {@link ModelException} whose reason is a
     * {@code WRONG_*} {@link LoadFailure}.
     *
     * @param label how error messages name the model, e.g. {@code model 'fraud' v3}
     * @param expectedName the input's expected name (names joined by {@code ","}), or null to
     *     accept any
     * @param expectedWidth the inputs' expected total width, or 0 to accept any
     */
    static ModelSignature inspect(
            String label,
            OrtSession session,
            OutputLayout layout,
            String expectedName,
            int expectedWidth)
            throws ModelException, OrtException {
        List<InputSpec> inputs = checkInputs(label, session);
        List<String> outputNames = new ArrayList<>();
        List<List<Long>> outputShapes = new ArrayList<>();
        for (OutputSpec output : layout.outputs()) {
            outputNames.add(output.name());
            outputShapes.add(output.perRow());
        }
        ModelSignature signature = new ModelSignature(inputs, outputNames, outputShapes);
        checkExpected(label, signature, expectedName, expectedWidth);
        return signature;
    }

    /** The input checks of {@link #inspect}, which come before any check of the outputs. */
    static List<InputSpec> checkInputs(String label, OrtSession session)
            throws OrtException, ModelException {
        Map<String, NodeInfo> infos = session.getInputInfo();
        if (infos.isEmpty()) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_COUNT,
                    label + " has no inputs, expected at least one tensor [batch, width]");
        }
        List<InputSpec> inputs = new ArrayList<>(infos.size());
        for (NodeInfo input : infos.values()) {
            inputs.add(checkInput(label, input));
        }
        return inputs;
    }

    private static InputSpec checkInput(String label, NodeInfo input) throws ModelException {
        ValueInfo info = input.getInfo();
        if (!(info instanceof TensorInfo tensor)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' is " + info
                            + ", expected a tensor of FLOAT (float32), INT64 or STRING");
        }
        InputSpec.Kind kind = switch (tensor.type) {
            case FLOAT -> InputSpec.Kind.FLOAT;
            case INT64 -> InputSpec.Kind.INT64;
            case STRING -> InputSpec.Kind.STRING;
            default -> throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' has type " + tensor.type
                            + ", expected FLOAT (float32), INT64 or STRING");
        };
        long[] shape = tensor.getShape();
        boolean rankOne = shape.length == 1;
        if (!rankOne && (shape.length != 2 || shape[1] <= 0)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has shape "
                            + Arrays.toString(shape)
                            + ", expected [batch, width] with a fixed width, or [batch]");
        }
        if (shape[0] > 0) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has a fixed batch size "
                            + shape[0] + "; export it with a dynamic first dimension");
        }
        return new InputSpec(input.getName(), kind, rankOne ? 1 : (int) shape[1], rankOne);
    }

    private static void checkExpected(
            String label, ModelSignature signature, String expectedName, int expectedWidth)
            throws ModelException {
        String input = signature.inputName();
        int width = signature.inputWidth();
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
