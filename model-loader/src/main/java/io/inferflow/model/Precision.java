package io.inferflow.model;

/** Numeric precision a model version was exported or quantized at. */
public enum Precision {
    FP32,
    FP16,
    INT8
}
