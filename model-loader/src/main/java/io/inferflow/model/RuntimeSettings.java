package io.inferflow.model;

import java.io.Serializable;
import java.util.Objects;

/**
 * How ONNX Runtime sessions are created: thread counts, graph optimization and the device.
 *
 * <p>{@link #defaults()} runs on the CPU (what the CLI tools and tests use); the job sets the
 * device from {@code inference.device}, whose default is {@link Device#AUTO}.
 */
public final class RuntimeSettings implements Serializable {

    private static final long serialVersionUID = 2L;

    /** Where sessions run ({@code inference.device}). */
    public enum Device {
        /**
         * The CUDA execution provider when this ONNX Runtime build offers it and a session can be
         * created and warmed up on it; otherwise the CPU, with a WARN naming why.
         */
        AUTO,
        /** Always the CPU; CUDA is never tried. */
        CPU,
        /** Only the CUDA execution provider: a version that cannot get it is rejected. */
        CUDA
    }

    private final int intraOpThreads;
    private final Device device;
    private final int cudaDeviceId;

    private RuntimeSettings(int intraOpThreads, Device device, int cudaDeviceId) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException(
                    "intra-op threads must be at least 1, got " + intraOpThreads);
        }
        if (cudaDeviceId < 0) {
            throw new IllegalArgumentException(
                    "CUDA device id must be at least 0, got " + cudaDeviceId);
        }
        this.intraOpThreads = intraOpThreads;
        this.device = Objects.requireNonNull(device, "device");
        this.cudaDeviceId = cudaDeviceId;
    }

    /** One intra-op thread, on the CPU. */
    public static RuntimeSettings defaults() {
        return new RuntimeSettings(1, Device.CPU, 0);
    }

    /** {@code threads} intra-op threads, on the CPU. */
    public static RuntimeSettings withIntraOpThreads(int threads) {
        return new RuntimeSettings(threads, Device.CPU, 0);
    }

    /** These options on {@code device}; {@code cudaDeviceId} is the GPU CUDA sessions use. */
    public RuntimeSettings withDevice(Device device, int cudaDeviceId) {
        return new RuntimeSettings(intraOpThreads, device, cudaDeviceId);
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public Device device() {
        return device;
    }

    /** The CUDA device (GPU ordinal) used when the device is {@code AUTO} or {@code CUDA}. */
    public int cudaDeviceId() {
        return cudaDeviceId;
    }

    /**
     * What decides which provider a session gets ({@code "AUTO:0"}, {@code "CPU"}): sessions
     * shared through {@link SharedModels} are keyed by it.
     */
    public String deviceKey() {
        return device == Device.CPU ? "CPU" : device + ":" + cudaDeviceId;
    }

    @Override
    public String toString() {
        return "RuntimeSettings{intraOpThreads=" + intraOpThreads + ", device=" + device
                + (device == Device.CPU ? "" : ", cudaDeviceId=" + cudaDeviceId) + '}';
    }
}
