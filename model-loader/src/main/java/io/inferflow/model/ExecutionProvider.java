package io.inferflow.model;

/**
 * The ONNX Runtime execution provider a session runs on. Status records carry its name
 * ({@code "CPU"}, {@code "CUDA"}) in {@code execution_provider}.
 */
public enum ExecutionProvider {
    /** ONNX Runtime's default CPU provider. */
    CPU,
    /** The CUDA execution provider of {@code onnxruntime_gpu} (the {@code gpu} Maven profile). */
    CUDA
}
