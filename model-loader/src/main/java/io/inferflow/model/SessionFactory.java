package io.inferflow.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Opens {@link OnnxModel}s: creates an ONNX Runtime session, inspects its {@link ModelSignature},
 * warms it up, and closes it again when any step fails.
 *
 * <p>The session runs where {@link RuntimeSettings#device()} asks: on the CPU; on CUDA only
 * ({@link LoadFailure#CUDA_UNAVAILABLE} when it cannot); or, with {@code AUTO}, on CUDA when this
 * ONNX Runtime build offers it and a session can be created and warmed up on it, else on the CPU
 * with a WARN and the reason in {@link OnnxModel#cudaFallback()}. What is wrong with the model
 * itself (not loadable anywhere, wrong input) is rejected the same way on every device.
 *
 * <pre>{@code
 * OnnxModel model = SessionFactory.of(settings).open("model 'fraud' v3", bytes, "features", 16);
 * }</pre>
 */
final class SessionFactory {

    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);

    /** A CPU-only build says so at WARN once per JVM; every version's status still does. */
    private static final AtomicBoolean CPU_BUILD_WARNED = new AtomicBoolean();

    private final RuntimeSettings settings;
    private final Set<OrtProvider> available;
    private final OrtEnvironment env;

    private SessionFactory(
            RuntimeSettings settings, Set<OrtProvider> available, OrtEnvironment env) {
        this.settings = settings;
        this.available = available;
        this.env = env;
    }

    /** A factory for sessions under {@code settings}. */
    static SessionFactory of(RuntimeSettings settings) throws ModelException {
        return of(settings, OnnxRuntimeEnvironment.availableProviders());
    }

    /**
     * Like {@link #of(RuntimeSettings)}, with the providers this ONNX Runtime build offers given
     * (tests pretend CUDA is offered to exercise the fallback).
     */
    static SessionFactory of(RuntimeSettings settings, Set<OrtProvider> available)
            throws ModelException {
        return new SessionFactory(settings, available, OnnxRuntimeEnvironment.get());
    }

    /**
     * Opens the model on the device the settings ask for, checks its input against what a
     * descriptor declares and runs it once on a row of zeros, so that the first real batch does
     * not pay for lazy initialisation.
     *
     * @param label how error messages name the model, e.g. {@code model 'fraud' v3}
     * @param expectedInputName the input's expected name, or null to accept any
     * @param expectedInputWidth the input's expected width, or 0 to accept any
     */
    OnnxModel open(String label, byte[] bytes, String expectedInputName, int expectedInputWidth)
            throws ModelException {
        long before = NativeMemory.residentBytes();
        OnnxModel model = openOnDevice(label, bytes, expectedInputName, expectedInputWidth);
        long after = NativeMemory.residentBytes();
        model.nativeBytes(before < 0 || after < 0 ? -1 : Math.max(0, after - before));
        return model;
    }

    private OnnxModel openOnDevice(
            String label, byte[] bytes, String expectedInputName, int expectedInputWidth)
            throws ModelException {
        RuntimeSettings.Device device = settings.device();
        if (device == RuntimeSettings.Device.CPU) {
            return openOnCpu(label, bytes, expectedInputName, expectedInputWidth, null);
        }
        String unavailable;
        if (!available.contains(OrtProvider.CUDA)) {
            unavailable = "this ONNX Runtime build offers " + names(available)
                    + ", not CUDA (build the job with the gpu Maven profile, on onnxruntime_gpu)";
        } else {
            try {
                return openOnCuda(label, bytes, expectedInputName, expectedInputWidth);
            } catch (CudaFailure e) {
                if (device == RuntimeSettings.Device.CUDA) {
                    throw new ModelException(e.reason, label + ": " + e.getMessage(), e);
                }
                unavailable = e.getMessage();
            }
        }
        if (device == RuntimeSettings.Device.CUDA) {
            throw new ModelException(
                    LoadFailure.CUDA_UNAVAILABLE,
                    label + ": inference.device is cuda and " + unavailable);
        }
        if (available.contains(OrtProvider.CUDA) || CPU_BUILD_WARNED.compareAndSet(false, true)) {
            LOG.warn("{}: runs on the CPU, not CUDA (inference.device auto): {}", label,
                    unavailable);
        } else {
            LOG.debug("{}: runs on the CPU, not CUDA: {}", label, unavailable);
        }
        return openOnCpu(label, bytes, expectedInputName, expectedInputWidth, unavailable);
    }

    /** A model on the CPU; {@code cudaFallback} says why CUDA was not used, or is null. */
    private OnnxModel openOnCpu(
            String label,
            byte[] bytes,
            String expectedInputName,
            int expectedInputWidth,
            String cudaFallback)
            throws ModelException {
        OrtSession session = createOnCpu(label, bytes);
        return start(
                label, bytes, session, expectedInputName, expectedInputWidth,
                ExecutionProvider.CPU, cudaFallback);
    }

    /**
     * A model on the CUDA execution provider. Failures that are CUDA's (adding the provider,
     * creating the session where the CPU can, the warm-up run) are {@link CudaFailure}s.
     */
    private OnnxModel openOnCuda(
            String label, byte[] bytes, String expectedInputName, int expectedInputWidth)
            throws ModelException, CudaFailure {
        OrtSession session = createOnCuda(label, bytes);
        try {
            return start(
                    label, bytes, session, expectedInputName, expectedInputWidth,
                    ExecutionProvider.CUDA, null);
        } catch (ModelException e) {
            if (e.reason() == LoadFailure.WARM_UP_FAILED) {
                throw new CudaFailure(
                        LoadFailure.WARM_UP_FAILED,
                        "on the CUDA execution provider (device " + settings.cudaDeviceId()
                                + "): " + e.getMessage(),
                        e);
            }
            throw e;
        }
    }

    /** Inspects and warms up a new session; closes it when either fails. */
    private OnnxModel start(
            String label,
            byte[] bytes,
            OrtSession session,
            String expectedInputName,
            int expectedInputWidth,
            ExecutionProvider provider,
            String cudaFallback)
            throws ModelException {
        try {
            ModelSignature.checkInputs(label, session);
            OutputLayout layout = OutputLayout.inspect(label, session, bytes);
            ModelSignature signature = ModelSignature.inspect(
                    label, session, layout, expectedInputName, expectedInputWidth);
            return OnnxModel.warmUp(
                    label, env, session, signature, layout, provider, cudaFallback);
        } catch (ModelException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelException(LoadFailure.NOT_LOADABLE, label + ": " + e.getMessage(), e);
        }
    }

    private OrtSession createOnCpu(String label, byte[] bytes) throws ModelException {
        try (OrtSession.SessionOptions so = sessionOptions()) {
            return env.createSession(bytes, so);
        } catch (OrtException e) {
            throw new ModelException(
                    LoadFailure.NOT_LOADABLE,
                    label + ": ONNX Runtime cannot load it: " + e.getMessage(),
                    e);
        }
    }

    private OrtSession createOnCuda(String label, byte[] bytes)
            throws ModelException, CudaFailure {
        try (OrtSession.SessionOptions so = sessionOptions()) {
            addCuda(so);
            return env.createSession(bytes, so);
        } catch (OrtException e) {
            // Not loadable at all, or only not on CUDA? Ask the CPU.
            closeQuietly(createOnCpu(label, bytes));
            LOG.debug("{}: loads on the CPU", label);
            throw new CudaFailure(
                    LoadFailure.CUDA_UNAVAILABLE,
                    "creating the session on the CUDA execution provider (device "
                            + settings.cudaDeviceId() + ") failed: " + e.getMessage(),
                    e);
        }
    }

    private void addCuda(OrtSession.SessionOptions so) throws CudaFailure {
        try {
            so.addCUDA(settings.cudaDeviceId());
        } catch (OrtException | RuntimeException | LinkageError e) {
            throw new CudaFailure(
                    LoadFailure.CUDA_UNAVAILABLE,
                    "adding the CUDA execution provider (device " + settings.cudaDeviceId()
                            + ") failed: " + e.getMessage(),
                    e);
        }
    }

    private OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setIntraOpNumThreads(settings.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    /** Closes a session, logging instead of throwing: it is released either way. */
    static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("closing ONNX Runtime session failed", e);
        }
    }

    private static List<String> names(Set<OrtProvider> providers) {
        List<String> names = new ArrayList<>();
        for (OrtProvider p : providers) {
            names.add(p.name());
        }
        return names;
    }

    /** CUDA could not be used; {@link #reason} is the rejection reason under {@code cuda}. */
    private static final class CudaFailure extends Exception {

        private static final long serialVersionUID = 1L;

        final LoadFailure reason;

        CudaFailure(LoadFailure reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }
    }
}
