package io.inferflow.model.quantize;

/**
 * A quantized model and the report on it.
 *
 * @param model the quantized ONNX model's bytes
 * @param report what was quantized and how the result compares with FP32
 */
public record QuantizationResult(byte[] model, QuantizationReport report) {}
