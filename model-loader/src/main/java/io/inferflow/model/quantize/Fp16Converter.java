package io.inferflow.model.quantize;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.inferflow.model.ModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts an FP32 model to float16 for GPU task managers ({@code --to fp16}): every float
 * initializer and Constant becomes float16, Casts to float become Casts to float16, and the
 * interface stays float32 through a Cast after the input and a Cast in front of each output, so
 * the pipeline feeds and reads it exactly like the FP32 model.
 *
 * <pre>{@code
 * byte[] half = Fp16Converter.convert(fp32Bytes);
 * }</pre>
 *
 * <p>Meant for CUDA, where float16 kernels exist for every common op; ONNX Runtime's CPU provider
 * lacks float16 kernels for some ops (then loading fails with a message naming the op).
 */
public final class Fp16Converter {

    private static final Logger LOG = LoggerFactory.getLogger(Fp16Converter.class);

    private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    private static final int FLOAT16 = OnnxMl.TensorProto.DataType.FLOAT16.getNumber();

    private Fp16Converter() {}

    /** The float16 model; input and outputs keep their names, shapes and float32 type. */
    public static byte[] convert(byte[] fp32) throws ModelException {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(fp32);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(
                    QuantizeFailure.NOT_ONNX,
                    "expected an ONNX ModelProto, could not parse the " + fp32.length + " bytes: "
                            + e.getMessage(),
                    e);
        }
        OnnxMl.GraphProto graph = model.getGraph();
        Set<String> taken = new HashSet<>();
        graph.getNodeList().forEach(n -> taken.addAll(n.getOutputList()));
        graph.getInitializerList().forEach(t -> taken.add(t.getName()));
        graph.getInputList().forEach(v -> taken.add(v.getName()));

        OnnxMl.GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer()
                .clearValueInfo();
        int converted = 0;
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            boolean isFloat = t.getDataType() == FLOAT;
            g.addInitializer(isFloat ? toHalf(t) : t);
            converted += isFloat ? 1 : 0;
        }
        List<String> floatInputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto in : graph.getInputList()) {
            if (in.getType().getTensorType().getElemType() == FLOAT) {
                floatInputs.add(in.getName());
            }
        }
        List<String> floatOutputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto out : graph.getOutputList()) {
            if (out.getType().getTensorType().getElemType() == FLOAT) {
                floatOutputs.add(out.getName());
            }
        }
        // Inside the graph, a float input is read as its float16 copy and a float output is
        // computed under a new name, then cast back to float32 under its own.
        Map<String, String> renamed = new HashMap<>();
        for (String in : floatInputs) {
            String half = unique(in + "_fp16", taken);
            renamed.put(in, half);
            g.addNode(cast(in, half, FLOAT16));
        }
        Map<String, String> producedAs = new HashMap<>();
        for (String out : floatOutputs) {
            producedAs.put(out, unique(out + "_fp16", taken));
        }
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            OnnxMl.NodeProto.Builder n = node.toBuilder();
            for (int i = 0; i < n.getInputCount(); i++) {
                String name = n.getInput(i);
                n.setInput(i, producedAs.getOrDefault(name, renamed.getOrDefault(name, name)));
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                n.setOutput(i, producedAs.getOrDefault(n.getOutput(i), n.getOutput(i)));
            }
            for (int i = 0; i < n.getAttributeCount(); i++) {
                OnnxMl.AttributeProto a = n.getAttribute(i);
                if (a.hasT() && a.getT().getDataType() == FLOAT) {
                    n.setAttribute(i, a.toBuilder().setT(toHalf(a.getT())));
                    converted++;
                } else if (node.getOpType().equals("Cast") && a.getName().equals("to")
                        && a.getI() == FLOAT) {
                    n.setAttribute(i, a.toBuilder().setI(FLOAT16));
                }
            }
            g.addNode(n);
        }
        for (String out : floatOutputs) {
            g.addNode(cast(producedAs.get(out), out, FLOAT));
        }
        LOG.info("converted {} float tensors to float16; {} input(s) and {} output(s) stay float32",
                converted, floatInputs.size(), floatOutputs.size());
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    private static OnnxMl.NodeProto cast(String from, String to, int type) {
        return OnnxMl.NodeProto.newBuilder()
                .setOpType("Cast")
                .setName(to + "_Cast")
                .addInput(from)
                .addOutput(to)
                .addAttribute(OnnxMl.AttributeProto.newBuilder()
                        .setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT)
                        .setI(type))
                .build();
    }

    private static OnnxMl.TensorProto toHalf(OnnxMl.TensorProto t) {
        float[] values = Tensors.floats(t);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putShort(toHalf(v));
        }
        return t.toBuilder()
                .clearFloatData()
                .setDataType(FLOAT16)
                .setRawData(ByteString.copyFrom(raw.array()))
                .build();
    }

    /** IEEE 754 binary16 bits of {@code f}, rounded to nearest even (Java 17 has no API). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = bits & 0x7fffffff;
        if (val >= 0x7f800000) {
            return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 : 0));
        }
        if (val >= 0x477ff000) {
            return (short) (sign | 0x7c00); // 65520 and above round to infinity
        }
        if (val >= 0x38800000) {
            int h = ((((val >>> 23) - 112) << 10) | ((val & 0x7fffff) >>> 13));
            int rem = val & 0x1fff;
            if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) {
                h++;
            }
            return (short) (sign | h);
        }
        int shift = 126 - (val >>> 23); // subnormal: units of 2^-24
        if (shift > 24) {
            return (short) sign;
        }
        int m = (val & 0x7fffff) | 0x800000;
        int h = m >>> shift;
        int rem = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rem > half || (rem == half && (h & 1) == 1)) {
            h++;
        }
        return (short) (sign | h);
    }

    /** The float value of binary16 bits {@code h}. */
    static float toFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
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
