package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reading float initializers and writing the int8/float tensors of a quantized weight. */
final class Tensors {

    private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    private static final int INT8 = OnnxMl.TensorProto.DataType.INT8.getNumber();

    private Tensors() {}

    static boolean isFloat(OnnxMl.TensorProto t) {
        return t.getDataType() == FLOAT;
    }

    static boolean isExternal(OnnxMl.TensorProto t) {
        return t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    }

    static long elementCount(OnnxMl.TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** The values of a float tensor stored in {@code raw_data} or {@code float_data}. */
    static float[] floats(OnnxMl.TensorProto t) {
        if (!isFloat(t)) {
            throw new IllegalArgumentException(
                    "tensor '" + t.getName() + "' has data type " + t.getDataType()
                            + ", expected FLOAT (" + FLOAT + ")");
        }
        long n = elementCount(t);
        float[] out = new float[Math.toIntExact(n)];
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != n * Float.BYTES) {
                throw new IllegalArgumentException(
                        "tensor '" + t.getName() + "' has " + t.getRawData().size()
                                + " raw bytes, expected " + n * Float.BYTES);
            }
            t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(out);
        } else {
            if (t.getFloatDataCount() != n) {
                throw new IllegalArgumentException(
                        "tensor '" + t.getName() + "' has " + t.getFloatDataCount()
                                + " float_data values, expected " + n);
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    /** The values of an int8 tensor as written by {@link #int8}. */
    static byte[] int8Values(OnnxMl.TensorProto t) {
        if (t.getDataType() != INT8) {
            throw new IllegalArgumentException(
                    "tensor '" + t.getName() + "' has data type " + t.getDataType()
                            + ", expected INT8 (" + INT8 + ")");
        }
        return t.getRawData().toByteArray();
    }

    static OnnxMl.TensorProto int8(String name, byte[] values, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(INT8)
                        .setRawData(ByteString.copyFrom(values));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static OnnxMl.TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(FLOAT)
                        .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
