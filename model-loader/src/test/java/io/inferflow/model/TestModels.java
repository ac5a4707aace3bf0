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
        OnnxMl.ValueInfoProto input =
                Mlp.floatMatrix("features", width).toBuilder()
                        .setType(
                                OnnxMl.TypeProto.newBuilder()
                                        .setTensorType(
                                                Mlp.floatMatrix("features", width)
                                                        .getType()
                                                        .getTensorType()
                                                        .toBuilder()
                                                        .setElemType(
                                                                OnnxMl.TensorProto.DataType.DOUBLE
                                                                        .getNumber())))
                        .build();
        OnnxMl.NodeProto cast =
                OnnxMl.NodeProto.newBuilder()
                        .setName("Cast0")
                        .setOpType("Cast")
                        .addInput("features")
                        .addOutput("score")
                        .addAttribute(
                                OnnxMl.AttributeProto.newBuilder()
                                        .setName("to")
                                        .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                        .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
                        .build();
        OnnxMl.GraphProto graph =
                OnnxMl.GraphProto.newBuilder()
                        .setName("double_input")
                        .addInput(input)
                        .addOutput(Mlp.floatMatrix("score", width))
                        .addNode(cast)
                        .build();
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
