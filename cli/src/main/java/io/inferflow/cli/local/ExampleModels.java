package io.inferflow.cli.local;

import ai.onnx.proto.OnnxMl;

/**
 * Example models that local mode writes for the walk-throughs, built with Tribuo's ONNX protobuf
 * classes in the shape a PyTorch export of the same graph has (input {@code features} float
 * [batch, width], output {@code score} float [batch, 1], opset 17).
 */
public final class ExampleModels {

    private ExampleModels() {}

    /**
     * {@code score = sum(sqrt(-|features|))}: 0 for a row of zeros, so it passes the warm-up,
     * and NaN for any row with a non-zero feature, so it fails on every real event.
     */
    public static byte[] nanUnlessZero(int width) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("nan_unless_zero")
                .addInput(floatMatrix("features", width))
                .addOutput(floatMatrix("score", 1))
                .addInitializer(OnnxMl.TensorProto.newBuilder()
                        .setName("axes")
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .addDims(1)
                        .addInt64Data(1))
                .addNode(node("Abs", "features", "abs"))
                .addNode(node("Neg", "abs", "neg"))
                .addNode(node("Sqrt", "neg", "root"))
                .addNode(OnnxMl.NodeProto.newBuilder()
                        .setOpType("ReduceSum")
                        .addInput("root")
                        .addInput("axes")
                        .addOutput("score")
                        .addAttribute(OnnxMl.AttributeProto.newBuilder()
                                .setName("keepdims")
                                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                .setI(1)))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("pytorch")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static OnnxMl.NodeProto.Builder node(String op, String input, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).addInput(input).addOutput(output);
    }

    private static OnnxMl.ValueInfoProto floatMatrix(String name, int width) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }
}
