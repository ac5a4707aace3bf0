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
 * @param inputName the input's name in the graph
 * @param inputWidth the number of features per row
 * @param outputNames the outputs' names, flattened in this order by {@link OnnxModel#score}
 */
public record ModelSignature(String inputName, int inputWidth, List<String> outputNames) {

    public ModelSignature {
        Objects.requireNonNull(inputName, "inputName");
        if (inputWidth < 1) {
            throw new IllegalArgumentException(
                    "input width must be at least 1, got " + inputWidth);
        }
        outputNames = List.copyOf(outputNames);
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
            String label, OrtSession session, String expectedName, int expectedWidth)
            throws ModelException, OrtException {
        NodeInfo input = checkInput(label, session);
        int width = (int) ((TensorInfo) input.getInfo()).getShape()[1];
        checkExpected(label, input.getName(), width, expectedName, expectedWidth);
        return new ModelSignature(input.getName(), width, checkOutputs(label, session));
    }

    private static NodeInfo checkInput(String label, OrtSession session)
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

    private static List<String> checkOutputs(String label, OrtSession session)
            throws OrtException, ModelException {
        List<String> names = new ArrayList<>();
        for (NodeInfo output : session.getOutputInfo().values()) {
            ValueInfo info = output.getInfo();
            boolean numeric = info instanceof TensorInfo && isNumeric(((TensorInfo) info).type);
            if (!numeric) {
                throw new ModelException(
                        LoadFailure.WRONG_OUTPUT_TYPE,
                        label + ": output '" + output.getName() + "' is " + info
                                + ", expected a numeric tensor");
            }
            names.add(output.getName());
        }
        return names;
    }

    private static boolean isNumeric(OnnxJavaType type) {
        return type == OnnxJavaType.FLOAT
                || type == OnnxJavaType.DOUBLE
                || type == OnnxJavaType.INT64
                || type == OnnxJavaType.INT32;
    }
}
