package io.inferflow.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * A batch of rows for a model's inputs, one column per input in graph order: float32 and int64
 * inputs in direct buffers (what ONNX Runtime reads without a copy), string inputs in arrays.
 * Filled row by row, every input of a row before the next row; reused from batch to batch. Not
 * thread-safe.
 *
 * <pre>{@code
 * InputBatch batch = InputBatch.allocate(model.signature().inputs(), 64);
 * batch.clear();
 * batch.floats(0).put(0.5f).put(1.5f);   // input 0, float[2]
 * batch.putString(1, "red");            // input 1, string[1]
 * ScoredBatch out = model.scoreInputs(batch, 1);
 * }</pre>
 */
public final class InputBatch {

    private final List<InputSpec> inputs;
    private final int numericWidth;
    private int capacity;
    private FloatBuffer[] floats;
    private LongBuffer[] longs;
    private String[][] strings;
    private int[] stringCount;

    private InputBatch(List<InputSpec> inputs, int rows) {
        this.inputs = List.copyOf(inputs);
        int numeric = 0;
        for (InputSpec spec : this.inputs) {
            numeric += spec.kind().numeric() ? spec.width() : 0;
        }
        this.numericWidth = numeric;
        allocateFor(Math.max(1, rows));
    }

    /** Columns for up to {@code rows} rows of {@code inputs}; it grows when asked for more. */
    public static InputBatch allocate(List<InputSpec> inputs, int rows) {
        return new InputBatch(inputs, rows);
    }

    /** A batch over an existing row-major float buffer, for a model with one float32 input. */
    static InputBatch ofFloats(InputSpec input, FloatBuffer rows) {
        InputBatch batch = new InputBatch(List.of(input), 0);
        batch.floats[0] = rows;
        return batch;
    }

    public List<InputSpec> inputs() {
        return inputs;
    }

    /** Values per row over the numeric (float32 and int64) inputs, in input order. */
    public int numericWidth() {
        return numericWidth;
    }

    /** Empties every column, making room for {@code rows} rows. */
    public void clear(int rows) {
        if (rows > capacity) {
            allocateFor(Math.max(rows, capacity * 2));
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (floats[i] != null) {
                floats[i].clear();
            }
            if (longs[i] != null) {
                longs[i].clear();
            }
            stringCount[i] = 0;
        }
    }

    /** Input {@code i}'s float32 column; put a row's values in order. */
    public FloatBuffer floats(int i) {
        return column(floats, i, InputSpec.Kind.FLOAT);
    }

    /** Input {@code i}'s int64 column; put a row's values in order. */
    public LongBuffer longs(int i) {
        return column(longs, i, InputSpec.Kind.INT64);
    }

    /** Appends one value to input {@code i}'s string column. */
    public void putString(int i, String value) {
        column(strings, i, InputSpec.Kind.STRING)[stringCount[i]++] = value;
    }

    /**
     * The numeric values of the first {@code rows} rows, row-major: each row's float32 and int64
     * inputs in input order, int64 as float ({@link #numericWidth()} per row). For drift.
     */
    public float[] numericRows(int rows) {
        float[] out = new float[rows * numericWidth];
        int offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            InputSpec spec = inputs.get(i);
            int w = spec.width();
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < w; j++) {
                    int at = r * numericWidth + offset + j;
                    if (spec.kind() == InputSpec.Kind.FLOAT) {
                        out[at] = floats[i].get(r * w + j);
                    } else if (spec.kind() == InputSpec.Kind.INT64) {
                        out[at] = longs[i].get(r * w + j);
                    }
                }
            }
            offset += spec.kind().numeric() ? w : 0;
        }
        return out;
    }

    /** Input {@code i}'s first {@code rows} rows as an ONNX Runtime value source. */
    Object column(int i, int rows) {
        InputSpec spec = inputs.get(i);
        int values = rows * spec.width();
        switch (spec.kind()) {
            case FLOAT -> {
                FloatBuffer view = floats[i].duplicate();
                view.position(0).limit(values);
                return view;
            }
            case INT64 -> {
                LongBuffer view = longs[i].duplicate();
                view.position(0).limit(values);
                return view;
            }
            default -> {
                return Arrays.copyOf(strings[i], values);
            }
        }
    }

    private <T> T column(T[] columns, int i, InputSpec.Kind kind) {
        InputSpec spec = inputs.get(i);
        if (spec.kind() != kind) {
            throw new IllegalArgumentException(
                    "input " + i + " (" + spec + ") is not " + kind);
        }
        return columns[i];
    }

    private void allocateFor(int rows) {
        capacity = rows;
        floats = new FloatBuffer[inputs.size()];
        longs = new LongBuffer[inputs.size()];
        strings = new String[inputs.size()][];
        stringCount = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            InputSpec spec = inputs.get(i);
            int values = rows * spec.width();
            switch (spec.kind()) {
                case FLOAT -> floats[i] = ByteBuffer.allocateDirect(values * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                case INT64 -> longs[i] = ByteBuffer.allocateDirect(values * Long.BYTES)
                        .order(ByteOrder.nativeOrder()).asLongBuffer();
                default -> strings[i] = new String[values];
            }
        }
    }
}
