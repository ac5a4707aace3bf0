package io.inferflow.model.quantize;

import io.inferflow.model.ModelException;

/**
 * The {@link ModelException#reason()} of a conversion that {@link Quantizer} refuses. Messages
 * and callers see the name, so a name must not change.
 */
public enum QuantizeFailure implements ModelException.Reason {
    /** The bytes are not an ONNX model with a graph. */
    NOT_ONNX,
    /** The model's opset has no DequantizeLinear and cannot safely be raised. */
    OPSET_TOO_OLD,
    /** The sample rows' width differs from the model's input width. */
    WRONG_SAMPLE_WIDTH,
    /** The deviation from FP32 is above the allowed maximum ({@link QuantizationException}). */
    DEVIATION_EXCEEDED,
    /**
     * The model has no MatMul or Gemm weight, the only weights INT8 quantization rewrites (tree
     * ensembles, ai.onnx.ml linear models): the result would be the same model.
     */
    NOTHING_TO_QUANTIZE
}
