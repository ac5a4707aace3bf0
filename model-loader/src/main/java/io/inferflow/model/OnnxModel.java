package io.inferflow.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An ONNX model in an ONNX Runtime session, checked to take one float32 input of shape
 * {@code [batch, width]} and to produce numeric tensors whose first dimension is the batch.
 *
 * <p>{@link #score} is thread-safe (ONNX Runtime's {@code run} is), so one instance can serve
 * every slot of a TaskManager. Close it to free the session's native memory.
 *
 * <p>The session runs on the execution provider {@link RuntimeSettings#device()} asks for: on the
 * CPU; on CUDA only ({@link LoadFailure#CUDA_UNAVAILABLE} when it cannot); or, with {@code AUTO},
 * on CUDA when this ONNX Runtime build offers it and a session can be created and warmed up on
 * it, else on the CPU with a WARN and the reason in {@link #cudaFallback()}.
 *
 * <pre>{@code
 * try (OnnxModel model = OnnxModel.load("fraud", bytes, RuntimeSettings.defaults())) {
 *     float[] scores = model.score(rows, 64);
 * }
 * }</pre>
 */
public final class OnnxModel implements Scorer {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

    /** How messages name the model: {@code model 'fraud'} or {@code model 'fraud' v3}. */
    private final String label;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final int inputWidth;
    private final List<String> outputNames;
    private final int outputWidth;
    private final ExecutionProvider provider;
    private final String cudaFallback;

    private OnnxModel(
            String label,
            OrtEnvironment env,
            OrtSession session,
            String inputName,
            int inputWidth,
            List<String> outputNames,
            int outputWidth,
            ExecutionProvider provider,
            String cudaFallback) {
        this.label = label;
        this.env = env;
        this.session = session;
        this.inputName = inputName;
        this.inputWidth = inputWidth;
        this.outputNames = outputNames;
        this.outputWidth = outputWidth;
        this.provider = provider;
        this.cudaFallback = cudaFallback;
    }

    /**
     * Creates a session from the model bytes, checks its input and outputs and runs it once on a
     * row of zeros, so that the first real batch does not pay for lazy initialisation.
     *
     * @param name used in error messages only
     */
    public static OnnxModel load(String name, byte[] bytes, RuntimeSettings options)
            throws ModelException {
        return load("model '" + name + "'", bytes, options, null, 0);
    }

    /**
     * Like {@link #load(String, byte[], RuntimeSettings)}, and also checks the input against what
     * a descriptor declares, before the warm-up run.
     *
     * @param label how error messages name the model, e.g. {@code model 'fraud' v3}
     * @param expectedInputName the input's expected name, or null to accept any
     * @param expectedInputWidth the input's expected width, or 0 to accept any
     */
    /** Stack of the thread that first creates ONNX Runtime's environment. */
    static final long ENVIRONMENT_THREAD_STACK = 64L * 1024 * 1024;

    private static volatile OrtEnvironment environment;

    /**
     * ONNX Runtime's process-wide environment, created the first time on a thread with a
     * {@value #ENVIRONMENT_THREAD_STACK}-byte stack. ORT 1.29 recurses deeply while creating it
     * when the process's command line is long (it reads {@code /proc/self/cmdline}; a Flink
     * TaskManager's is about 6 KB) and overflows a default 1 MB thread stack with a SIGSEGV that
     * kills the JVM; found by the multi-process cluster check, see the README's failover section.
     */
    static OrtEnvironment environment() throws ModelException {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OnnxModel.class) {
            if (environment == null) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                AtomicReference<OrtEnvironment> created = new AtomicReference<>();
                Thread thread =
                        new Thread(
                                null,
                                () -> {
                                    try {
                                        created.set(OrtEnvironment.getEnvironment());
                                        OrtEnvironment.getAvailableProviders();
                                    } catch (Throwable t) {
                                        failure.set(t);
                                    }
                                },
                                "onnxruntime-init",
                                ENVIRONMENT_THREAD_STACK);
                thread.start();
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ModelException(
                            LoadFailure.NOT_LOADABLE,
                            "interrupted while starting ONNX Runtime", e);
                }
                if (created.get() == null) {
                    throw new ModelException(
                            LoadFailure.NOT_LOADABLE,
                            "ONNX Runtime does not start: " + failure.get(), failure.get());
                }
                environment = created.get();
            }
            return environment;
        }
    }

    /** The execution providers this ONNX Runtime build offers. */
    static Set<OrtProvider> availableProviders() throws ModelException {
        environment();
        return OrtEnvironment.getAvailableProviders();
    }

    private static final AtomicBoolean CPU_BUILD_WARNED =
            new AtomicBoolean();

    static OnnxModel load(
            String label,
            byte[] bytes,
            RuntimeSettings options,
            String expectedInputName,
            int expectedInputWidth)
            throws ModelException {
        return load(
                label, bytes, options, expectedInputName, expectedInputWidth,
                availableProviders());
    }

    /**
     * Like {@link #load(String, byte[], RuntimeSettings, String, int)}, with the providers this
     * ONNX Runtime build offers given (tests pretend CUDA is offered to exercise the fallback).
     */
    static OnnxModel load(
            String label,
            byte[] bytes,
            RuntimeSettings options,
            String expectedInputName,
            int expectedInputWidth,
            Set<OrtProvider> available)
            throws ModelException {
        RuntimeSettings.Device device = options.device();
        if (device == RuntimeSettings.Device.CPU) {
            return open(label, bytes, options, expectedInputName, expectedInputWidth, null);
        }
        String unavailable = null;
        if (!available.contains(OrtProvider.CUDA)) {
            unavailable = "this ONNX Runtime build offers " + names(available)
                    + ", not CUDA (build the job with the gpu Maven profile, on onnxruntime_gpu)";
        } else {
            try {
                return openOnCuda(label, bytes, options, expectedInputName, expectedInputWidth);
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
            // A CPU build says so once per JVM; every version's status and metrics still do.
            LOG.debug("{}: runs on the CPU, not CUDA: {}", label, unavailable);
        }
        return open(label, bytes, options, expectedInputName, expectedInputWidth, unavailable);
    }

    /** A session on the CPU; {@code cudaFallback} says why CUDA was not used, or is null. */
    private static OnnxModel open(
            String label,
            byte[] bytes,
            RuntimeSettings options,
            String expectedInputName,
            int expectedInputWidth,
            String cudaFallback)
            throws ModelException {
        OrtEnvironment env = environment();
        OrtSession session;
        try {
            session = createSession(env, bytes, options);
        } catch (OrtException e) {
            throw notLoadable(label, e);
        }
        try {
            return inspect(
                    label, env, session, expectedInputName, expectedInputWidth,
                    ExecutionProvider.CPU, cudaFallback);
        } catch (ModelException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelException(LoadFailure.NOT_LOADABLE, label + ": " + e.getMessage(), e);
        }
    }

    /**
     * A session on the CUDA execution provider. Failures that are CUDA's (adding the provider,
     * creating the session where the CPU can, the warm-up run) are {@link CudaFailure}s; what is
     * wrong with the model itself (not loadable anywhere, wrong input) is a {@link
     * ModelException} as on the CPU.
     */
    private static OnnxModel openOnCuda(
            String label,
            byte[] bytes,
            RuntimeSettings options,
            String expectedInputName,
            int expectedInputWidth)
            throws ModelException, CudaFailure {
        OrtEnvironment env = environment();
        OrtSession session;
        try {
            session = createCudaSession(env, bytes, options);
        } catch (OrtException e) {
            // Not loadable at all, or only not on CUDA? Ask the CPU.
            try (OrtSession cpu = createSession(env, bytes, options)) {
                LOG.debug("{}: loads on the CPU", label);
            } catch (OrtException cpuError) {
                throw notLoadable(label, cpuError);
            }
            throw new CudaFailure(
                    LoadFailure.CUDA_UNAVAILABLE,
                    "creating the session on the CUDA execution provider (device "
                            + options.cudaDeviceId() + ") failed: " + e.getMessage(),
                    e);
        }
        try {
            return inspect(
                    label, env, session, expectedInputName, expectedInputWidth,
                    ExecutionProvider.CUDA, null);
        } catch (ModelException e) {
            closeQuietly(session);
            if (LoadFailure.WARM_UP_FAILED.equals(e.reason())) {
                throw new CudaFailure(
                        LoadFailure.WARM_UP_FAILED,
                        "on the CUDA execution provider (device " + options.cudaDeviceId()
                                + "): " + e.getMessage(),
                        e);
            }
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelException(LoadFailure.NOT_LOADABLE, label + ": " + e.getMessage(), e);
        }
    }

    /** Checks the session's input and outputs and warms it up. */
    private static OnnxModel inspect(
            String label,
            OrtEnvironment env,
            OrtSession session,
            String expectedInputName,
            int expectedInputWidth,
            ExecutionProvider provider,
            String cudaFallback)
            throws ModelException, OrtException {
        String input = checkInput(label, session);
        TensorInfo inputInfo = (TensorInfo) session.getInputInfo().get(input).getInfo();
        int width = (int) inputInfo.getShape()[1];
        checkExpected(label, input, width, expectedInputName, expectedInputWidth);
        List<String> outputs = checkOutputs(label, session);
        OnnxModel probe =
                new OnnxModel(label, env, session, input, width, outputs, -1, provider, null);
        int outWidth = probe.warmUp();
        return new OnnxModel(
                label, env, session, input, width, outputs, outWidth, provider, cudaFallback);
    }

    private static OrtSession createSession(
            OrtEnvironment env, byte[] bytes, RuntimeSettings options) throws OrtException {
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            return env.createSession(bytes, so);
        }
    }

    /** A session with the CUDA execution provider; failing to add it is a {@link CudaFailure}. */
    private static OrtSession createCudaSession(
            OrtEnvironment env, byte[] bytes, RuntimeSettings options)
            throws OrtException, CudaFailure {
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            try {
                so.addCUDA(options.cudaDeviceId());
            } catch (OrtException | RuntimeException | LinkageError e) {
                throw new CudaFailure(
                        LoadFailure.CUDA_UNAVAILABLE,
                        "adding the CUDA execution provider (device " + options.cudaDeviceId()
                                + ") failed: " + e.getMessage(),
                        e);
            }
            return env.createSession(bytes, so);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(RuntimeSettings options)
            throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static ModelException notLoadable(String label, OrtException e) {
        return new ModelException(
                LoadFailure.NOT_LOADABLE,
                label + ": ONNX Runtime cannot load it: " + e.getMessage(),
                e);
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

    private static void checkExpected(
            String label, String input, int width, String expectedName, int expectedWidth)
            throws ModelException {
        if (expectedName != null && !expectedName.equals(input)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_NAME,
                    label + ": input is named '" + input + "', the descriptor says '"
                            + expectedName + "'");
        }
        if (expectedWidth > 0 && expectedWidth != width) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_WIDTH,
                    label + ": input '" + input + "' has width " + width
                            + ", the descriptor says " + expectedWidth);
        }
    }

    private static String checkInput(String label, OrtSession session)
            throws OrtException, ModelException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_COUNT,
                    label + " has " + inputs.size() + " inputs " + inputs.keySet()
                            + ", expected exactly one float32 input of shape [batch, width]");
        }
        NodeInfo input = inputs.values().iterator().next();
        ValueInfo info = input.getInfo();
        if (!(info instanceof TensorInfo)) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' is " + info
                            + ", expected a float32 tensor");
        }
        TensorInfo tensor = (TensorInfo) info;
        if (tensor.type != OnnxJavaType.FLOAT) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_TYPE,
                    label + ": input '" + input.getName() + "' has type "
                            + tensor.type + ", expected FLOAT (float32)");
        }
        long[] shape = tensor.getShape();
        if (shape.length != 2 || shape[1] <= 0) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has shape "
                            + java.util.Arrays.toString(shape)
                            + ", expected [batch, width] with a fixed width");
        }
        if (shape[0] > 0) {
            throw new ModelException(
                    LoadFailure.WRONG_INPUT_SHAPE,
                    label + ": input '" + input.getName() + "' has a fixed batch size "
                            + shape[0] + "; export it with a dynamic first dimension");
        }
        return input.getName();
    }

    private static List<String> checkOutputs(String label, OrtSession session)
            throws OrtException, ModelException {
        List<String> names = new ArrayList<>();
        for (NodeInfo output : session.getOutputInfo().values()) {
            ValueInfo info = output.getInfo();
            boolean numeric = info instanceof TensorInfo && isNumeric(((TensorInfo) info).type);
            if (!numeric) {
                throw new ModelException(
                        LoadFailure.WRONG_OUTPUT_TYPE,
                        label + ": output '" + output.getName() + "' is " + info
                                + ", expected a numeric tensor");
            }
            names.add(output.getName());
        }
        return List.copyOf(names);
    }

    private static boolean isNumeric(OnnxJavaType type) {
        return type == OnnxJavaType.FLOAT
                || type == OnnxJavaType.DOUBLE
                || type == OnnxJavaType.INT64
                || type == OnnxJavaType.INT32;
    }

    private int warmUp() throws ModelException {
        FloatBuffer zeros =
                ByteBuffer.allocateDirect(inputWidth * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        float[] out;
        try {
            out = runBatch(zeros, 1);
        } catch (ModelException e) {
            throw new ModelException(
                    LoadFailure.WARM_UP_FAILED,
                    label + ": the warm-up run on one row of zeros failed: " + e.getMessage(),
                    e);
        }
        if (out.length == 0) {
            throw new ModelException(
                    LoadFailure.WARM_UP_FAILED,
                    label + ": the warm-up run produced no output values, expected at least one");
        }
        return out.length;
    }

    @Override
    public int inputWidth() {
        return inputWidth;
    }

    @Override
    public int outputWidth() {
        return outputWidth;
    }

    public String inputName() {
        return inputName;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    @Override
    public ExecutionProvider executionProvider() {
        return provider;
    }

    @Override
    public String cudaFallback() {
        return cudaFallback;
    }

    @Override
    public float[] score(FloatBuffer input, int rows) throws ModelException {
        if (rows <= 0) {
            return new float[0];
        }
        float[] out = runBatch(input, rows);
        if (out.length != rows * outputWidth) {
            throw new ModelException(
                    LoadFailure.WRONG_OUTPUT_SHAPE,
                    label + " returned " + out.length + " values for " + rows
                            + " rows, expected " + rows * outputWidth);
        }
        return out;
    }

    private float[] runBatch(FloatBuffer input, int rows) throws ModelException {
        FloatBuffer view = input.duplicate();
        view.position(0).limit(rows * inputWidth);
        try (OnnxTensor tensor =
                        OnnxTensor.createTensor(env, view, new long[] {rows, inputWidth});
                OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            if (result.size() == 1) {
                return toFloats((OnnxTensor) result.get(0));
            }
            List<float[]> parts = new ArrayList<>(result.size());
            int total = 0;
            for (Map.Entry<String, OnnxValue> e : result) {
                float[] part = toFloats((OnnxTensor) e.getValue());
                parts.add(part);
                total += part.length;
            }
            return interleaveRows(parts, rows, total);
        } catch (OrtException e) {
            throw new ModelException(
                    LoadFailure.RUN_FAILED, label + ": inference failed: " + e.getMessage(), e);
        }
    }

    /** Several outputs: row i's values of output 0, then of output 1, and so on. */
    private static float[] interleaveRows(List<float[]> parts, int rows, int total) {
        float[] out = new float[total];
        int pos = 0;
        for (int r = 0; r < rows; r++) {
            for (float[] part : parts) {
                int per = part.length / rows;
                System.arraycopy(part, r * per, out, pos, per);
                pos += per;
            }
        }
        return out;
    }

    private static float[] toFloats(OnnxTensor tensor) {
        switch (tensor.getInfo().type) {
            case FLOAT:
                FloatBuffer fb = tensor.getFloatBuffer();
                float[] f = new float[fb.remaining()];
                fb.get(f);
                return f;
            case DOUBLE:
                DoubleBuffer db = tensor.getDoubleBuffer();
                float[] d = new float[db.remaining()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) db.get(i);
                }
                return d;
            case INT64:
                LongBuffer lb = tensor.getLongBuffer();
                float[] l = new float[lb.remaining()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = lb.get(i);
                }
                return l;
            case INT32:
                IntBuffer ib = tensor.getIntBuffer();
                float[] n = new float[ib.remaining()];
                for (int i = 0; i < n.length; i++) {
                    n[i] = ib.get(i);
                }
                return n;
            default:
                throw new IllegalStateException("unexpected output type " + tensor.getInfo().type);
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("closing ONNX Runtime session failed", e);
        }
    }

    @Override
    public String toString() {
        return "OnnxModel{" + label + ", input " + inputName + "[" + inputWidth + "], outputs "
                + outputNames + " (" + outputWidth + " values per row), on " + provider + '}';
    }
}
