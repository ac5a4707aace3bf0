package io.inferflow.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model in a warmed-up ONNX Runtime session whose {@link ModelSignature} is float32,
 * int64 or string inputs and outputs whose first dimension is the batch.
 * {@link SessionFactory} opens it on the device {@link RuntimeSettings#device()} asks for.
 *
 * <p>{@link #score} is thread-safe (ONNX Runtime's {@code run} is), so one instance can serve
 * every slot of a TaskManager. Close it to free the session's native memory.
 *
 * <pre>{@code
 * try (OnnxModel model = OnnxModel.load("fraud", bytes, RuntimeSettings.defaults())) {
 *     float[] scores = model.score(rows, 64);
 * }
 * }</pre>
 */
public final class OnnxModel implements Scorer {

    /** How messages name the model: {@code model 'fraud'} or {@code model 'fraud' v3}. */
    private final String label;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSignature signature;
    private final OutputLayout layout;
    private final int outputWidth;
    private final ExecutionProvider provider;
    private final String cudaFallback;

    private OnnxModel(
            String label,
            OrtEnvironment env,
            OrtSession session,
            ModelSignature signature,
            OutputLayout layout,
            int outputWidth,
            ExecutionProvider provider,
            String cudaFallback) {
        this.label = label;
        this.env = env;
        this.session = session;
        this.signature = signature;
        this.layout = layout;
        this.outputWidth = outputWidth;
        this.provider = provider;
        this.cudaFallback = cudaFallback;
    }

    /**
     * Creates a session from the model bytes on the device {@code settings} ask for, checks its
     * input and outputs and runs it once on a row of zeros, so that the first real batch does not
     * pay for lazy initialisation.
     *
     * @param name used in error messages only
     */
    public static OnnxModel load(String name, byte[] bytes, RuntimeSettings settings)
            throws ModelException {
        return SessionFactory.of(settings).open("model '" + name + "'", bytes, null, 0);
    }

    /**
     * Runs {@code session} once on a row of zeros and wraps it; the output width is what that run
     * returned. The caller closes the session when this fails.
     */
    static OnnxModel warmUp(
            String label,
            OrtEnvironment env,
            OrtSession session,
            ModelSignature signature,
            OutputLayout layout,
            ExecutionProvider provider,
            String cudaFallback)
            throws ModelException {
        InputBatch zeros = InputBatch.allocate(signature.inputs(), 1);
        zeros.clear(1);
        for (int i = 0; i < signature.inputs().size(); i++) {
            InputSpec input = signature.inputs().get(i);
            for (int j = 0; j < input.width(); j++) {
                switch (input.kind()) {
                    case FLOAT -> zeros.floats(i).put(0f);
                    case INT64 -> zeros.longs(i).put(0L);
                    default -> zeros.putString(i, "");
                }
            }
        }
        ScoredBatch out;
        try {
            out = run(label, env, session, signature, layout, zeros, 1);
        } catch (ModelException e) {
            throw new ModelException(
                    LoadFailure.WARM_UP_FAILED,
                    label + ": the warm-up run on one row of zeros"
                            + (signature.inputs().stream()
                                    .anyMatch(i -> i.kind() == InputSpec.Kind.STRING)
                                    ? " (empty strings for string inputs)" : "")
                            + " failed: " + e.getMessage(),
                    e);
        }
        boolean strings = out.columns().stream().anyMatch(c -> c.strings() != null);
        if (out.width() == 0 && !strings) {
            throw new ModelException(
                    LoadFailure.WARM_UP_FAILED,
                    label + ": the warm-up run produced no output values, expected at least one");
        }
        boolean anyFinite = out.width() == 0;
        for (float v : out.scores()) {
            anyFinite |= Float.isFinite(v);
        }
        if (!anyFinite) {
            throw new ModelException(
                    LoadFailure.WARM_UP_FAILED,
                    label + ": the warm-up run on one row of zeros produced only non-finite values"
                            + " (" + out.scores()[0] + "): it would send every event to dead"
                            + " letters");
        }
        return new OnnxModel(
                label, env, session, signature, layout, out.width(), provider, cudaFallback);
    }

    private volatile long nativeBytes = -1;

    /** Set once by the factory that opened it. */
    void nativeBytes(long bytes) {
        this.nativeBytes = bytes;
    }

    /**
     * How much the process's resident memory grew while this session was created and warmed up:
     * the native memory ONNX Runtime holds for it (weights, arenas, the plan), as the OS sees
     * it; -1 where the OS does not say. Approximate: other threads allocating at the same time
     * count too.
     */
    @Override
    public long nativeBytes() {
        return nativeBytes;
    }

    @Override
    public int inputWidth() {
        return signature.inputWidth();
    }

    @Override
    public int outputWidth() {
        return outputWidth;
    }

    public String inputName() {
        return signature.inputName();
    }

    public List<String> outputNames() {
        return signature.outputNames();
    }

    /** The signature read from the session: input name and width, outputs and their shapes. */
    @Override
    public ModelSignature signature() {
        return signature;
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
        return scoreBatch(input, rows).scores();
    }

    /**
     * Every output by name, and the flattened scores; see {@link OutputLayout}. For a model with
     * one float32 input ({@link ModelSignature#flat()}); others take {@link #scoreInputs}.
     */
    @Override
    public ScoredBatch scoreBatch(FloatBuffer input, int rows) throws ModelException {
        if (!signature.flat()) {
            throw new ModelException(
                    LoadFailure.RUN_FAILED,
                    label + " takes inputs " + signature.inputs()
                            + ", not one row-major float32 buffer");
        }
        return scoreInputs(InputBatch.ofFloats(signature.inputs().get(0), input), rows);
    }

    /** Scores rows of every input by name; see {@link InputBatch}. */
    @Override
    public ScoredBatch scoreInputs(InputBatch input, int rows) throws ModelException {
        if (rows <= 0) {
            return new ScoredBatch(new float[0], outputWidth, List.of());
        }
        ScoredBatch out = run(label, env, session, signature, layout, input, rows);
        if (out.width() != outputWidth) {
            throw new ModelException(
                    LoadFailure.WRONG_OUTPUT_SHAPE,
                    label + " returned " + out.width() + " values per row for " + rows
                            + " rows, expected " + outputWidth);
        }
        return out;
    }

    /** The outputs, and which are the label and the class probabilities. */
    @Override
    public OutputLayout layout() {
        return layout;
    }

    private static ScoredBatch run(
            String label,
            OrtEnvironment env,
            OrtSession session,
            ModelSignature signature,
            OutputLayout layout,
            InputBatch input,
            int rows)
            throws ModelException {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (int i = 0; i < signature.inputs().size(); i++) {
                InputSpec spec = signature.inputs().get(i);
                tensors.put(spec.name(), tensor(env, spec, input.column(i, rows), rows));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                return OutputReader.read(label, result, layout, rows);
            }
        } catch (OrtException | ClassCastException e) {
            throw new ModelException(
                    LoadFailure.RUN_FAILED, label + ": inference failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, InputSpec spec, Object column, int rows)
            throws OrtException {
        long[] shape = spec.shape(rows);
        if (column instanceof FloatBuffer floats) {
            return OnnxTensor.createTensor(env, floats, shape);
        }
        if (column instanceof LongBuffer longs) {
            return OnnxTensor.createTensor(env, longs, shape);
        }
        return OnnxTensor.createTensor(env, (String[]) column, shape);
    }

    @Override
    public void close() {
        SessionFactory.closeQuietly(session);
    }

    @Override
    public String toString() {
        return "OnnxModel{" + label + ", input " + inputName() + "[" + inputWidth()
                + "], outputs " + outputNames() + " (" + outputWidth + " values per row), on "
                + provider + '}';
    }
}
