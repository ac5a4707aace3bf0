package io.inferflow.model;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

/** Models and descriptors for tests, generated here rather than kept as binary fixtures. */
final class TestModels {

    private TestModels() {}

    /**
     * A graph whose input {@code features} is DOUBLE [batch, width], cast to float inside and
     * returned as {@code score}: a valid model that the loader must still refuse.
     */
    static byte[] doubleInput(int width) {
        return model(
                OnnxMl.GraphProto.newBuilder()
                        .setName("double_input")
                        .addInput(matrix("features", width, OnnxMl.TensorProto.DataType.DOUBLE))
                        .addOutput(Mlp.floatMatrix("score", width))
                        .addNode(cast("features", "score", OnnxMl.TensorProto.DataType.FLOAT)));
    }

    /**
     * A graph with input {@code features} FLOAT [batch, width] and four outputs, {@code f}, {@code
     * d}, {@code l} and {@code i}: the input as FLOAT, DOUBLE, INT64 and INT32.
     */
    static byte[] castOutputs(int width) {
        OnnxMl.GraphProto.Builder graph =
                OnnxMl.GraphProto.newBuilder()
                        .setName("cast_outputs")
                        .addInput(Mlp.floatMatrix("features", width));
        String[] names = {"f", "d", "l", "i"};
        OnnxMl.TensorProto.DataType[] types = {
            OnnxMl.TensorProto.DataType.FLOAT,
            OnnxMl.TensorProto.DataType.DOUBLE,
            OnnxMl.TensorProto.DataType.INT64,
            OnnxMl.TensorProto.DataType.INT32
        };
        for (int k = 0; k < names.length; k++) {
            graph.addOutput(matrix(names[k], width, types[k]));
            graph.addNode(cast("features", names[k], types[k]));
        }
        return model(graph);
    }

    /**
     * A graph that loads but whose every run fails: input {@code features} FLOAT [batch, width],
     * reshaped to {@code [width + 1]} floats.
     */
    static byte[] failsToRun(int width) {
        OnnxMl.TensorProto shape =
                OnnxMl.TensorProto.newBuilder()
                        .setName("shape")
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .addDims(2)
                        .addInt64Data(-1)
                        .addInt64Data(width + 1)
                        .build();
        OnnxMl.ValueInfoProto score =
                OnnxMl.ValueInfoProto.newBuilder()
                        .setName("score")
                        .setType(
                                OnnxMl.TypeProto.newBuilder()
                                        .setTensorType(
                                                OnnxMl.TypeProto.Tensor.newBuilder()
                                                        .setElemType(
                                                                OnnxMl.TensorProto.DataType.FLOAT
                                                                        .getNumber())))
                        .build();
        return model(
                OnnxMl.GraphProto.newBuilder()
                        .setName("fails_to_run")
                        .addInput(Mlp.floatMatrix("features", width))
                        .addOutput(score)
                        .addInitializer(shape)
                        .addNode(
                                OnnxMl.NodeProto.newBuilder()
                                        .setName("Reshape0")
                                        .setOpType("Reshape")
                                        .addInput("features")
                                        .addInput("shape")
                                        .addOutput("score")));
    }

    /**
     * A graph with input {@code features} FLOAT [batch, width] and two outputs: {@code top}, the
     * row's k largest features where k is the largest feature of the whole batch (so its second
     * dimension is dynamic, declared {@code [batch, k]}), and {@code cube}, the input unsqueezed
     * to {@code [batch, 1, width]}.
     */
    static byte[] dynamicAndRank3Outputs(int width) {
        OnnxMl.ValueInfoProto.Builder top = Mlp.floatMatrix("top", width).toBuilder();
        top.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1)
                .clearDimValue()
                .setDimParam("k");
        OnnxMl.ValueInfoProto.Builder cube = Mlp.floatMatrix("cube", width).toBuilder();
        cube.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .addDim(1, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        return model(
                OnnxMl.GraphProto.newBuilder()
                        .setName("dynamic_and_rank3_outputs")
                        .addInput(Mlp.floatMatrix("features", width))
                        .addOutput(top)
                        .addOutput(cube)
                        .addInitializer(int64s("one", 1))
                        .addNode(
                                node("ReduceMax", "features", "max")
                                        .addAttribute(
                                                OnnxMl.AttributeProto.newBuilder()
                                                        .setName("keepdims")
                                                        .setType(
                                                                OnnxMl.AttributeProto.AttributeType
                                                                        .INT)
                                                        .setI(0)))
                        .addNode(cast("max", "k_scalar", OnnxMl.TensorProto.DataType.INT64))
                        .addNode(node("Reshape", "k_scalar", "k").addInput("one"))
                        .addNode(node("TopK", "features", "top").addInput("k").addOutput("idx"))
                        .addNode(node("Unsqueeze", "features", "cube").addInput("one")));
    }

    private static OnnxMl.NodeProto.Builder node(String op, String input, String output) {
        return OnnxMl.NodeProto.newBuilder()
                .setName(op + "_" + output)
                .setOpType(op)
                .addInput(input)
                .addOutput(output);
    }

    /** A 1-D INT64 initializer. */
    private static OnnxMl.TensorProto int64s(String name, long... values) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** A graph whose input {@code features} has a fixed batch size: FLOAT [1, width]. */
    static byte[] fixedBatch(int width) {
        OnnxMl.ValueInfoProto.Builder input = Mlp.floatMatrix("features", width).toBuilder();
        input.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0)
                .setDimValue(1);
        return model(
                OnnxMl.GraphProto.newBuilder()
                        .setName("fixed_batch")
                        .addInput(input)
                        .addOutput(Mlp.floatMatrix("score", width))
                        .addNode(cast("features", "score", OnnxMl.TensorProto.DataType.FLOAT)));
    }

    /** A [batch, width] tensor of {@code type} named {@code name}. */
    private static OnnxMl.ValueInfoProto matrix(
            String name, int width, OnnxMl.TensorProto.DataType type) {
        OnnxMl.ValueInfoProto.Builder info = Mlp.floatMatrix(name, width).toBuilder();
        info.getTypeBuilder().getTensorTypeBuilder().setElemType(type.getNumber());
        return info.build();
    }

    private static OnnxMl.NodeProto cast(
            String input, String output, OnnxMl.TensorProto.DataType to) {
        return OnnxMl.NodeProto.newBuilder()
                .setName("Cast_" + output)
                .setOpType("Cast")
                .addInput(input)
                .addOutput(output)
                .addAttribute(
                        OnnxMl.AttributeProto.newBuilder()
                                .setName("to")
                                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                .setI(to.getNumber()))
                .build();
    }

    private static byte[] model(OnnxMl.GraphProto.Builder graph) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("inferflow-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    /** An unsigned descriptor of {@code bytes} at {@code uri}, input 'features' unchecked width. */
    static ModelDescriptor.Builder describe(String name, long version, String uri, byte[] bytes) {
        return ModelDescriptor.builder()
                .name(name)
                .version(version)
                .uri(uri)
                .sha256(Hashes.sha256Hex(bytes))
                .inputName("features");
    }

    /** {@code d} signed with {@code pair}. */
    static ModelDescriptor sign(ModelDescriptor d, KeyPair pair) {
        return d.toBuilder()
                .signature(Ed25519.sign(pair.getPrivate(), d.signedPayload()))
                .keyId(Ed25519.keyId(pair.getPublic()))
                .build();
    }
}
