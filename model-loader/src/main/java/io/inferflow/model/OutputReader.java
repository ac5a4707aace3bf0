package io.inferflow.model;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the outputs of one run over a batch into a {@link ScoredBatch}, as its {@link
 * OutputLayout} says: numeric tensors as floats (double, int64 and int32 cast), string tensors
 * as strings, ZipMap's maps as probabilities in the layout's class order. The flattened scores
 * hold, row by row, every numeric output's and class map's values in output order.
 */
final class OutputReader {

    private OutputReader() {}

    static ScoredBatch read(String label, OrtSession.Result result, OutputLayout layout, int rows)
            throws OrtException, ModelException {
        List<ScoredBatch.Column> columns = new ArrayList<>(layout.outputs().size());
        int width = 0;
        int i = 0;
        for (Map.Entry<String, OnnxValue> e : result) {
            OutputSpec spec = layout.outputs().get(i++);
            ScoredBatch.Column column = column(label, spec, e.getValue(), rows);
            columns.add(column);
            if (spec.numeric()) {
                width += column.perRow();
            }
        }
        float[] scores = new float[rows * width];
        int pos = 0;
        for (int r = 0; r < rows; r++) {
            for (ScoredBatch.Column c : columns) {
                if (c.values() != null) {
                    System.arraycopy(c.values(), r * c.perRow(), scores, pos, c.perRow());
                    pos += c.perRow();
                }
            }
        }
        return new ScoredBatch(scores, width, columns);
    }

    private static ScoredBatch.Column column(
            String label, OutputSpec spec, OnnxValue value, int rows)
            throws OrtException, ModelException {
        switch (spec.kind()) {
            case NUMERIC: {
                float[] values = OutputFlattener.toFloats((OnnxTensor) value);
                return new ScoredBatch.Column(spec, values, null, perRow(label, spec,
                        values.length, rows));
            }
            case STRING: {
                String[] strings = strings(((OnnxTensor) value).getValue());
                return new ScoredBatch.Column(spec, null, strings, perRow(label, spec,
                        strings.length, rows));
            }
            default: {
                // The maps are native values of their own: each is closed once read.
                List<? extends OnnxValue> maps = ((OnnxSequence) value).getValue();
                try {
                    return classMap(label, spec, maps, rows);
                } finally {
                    maps.forEach(OnnxValue::close);
                }
            }
        }
    }

    private static ScoredBatch.Column classMap(
            String label, OutputSpec spec, List<? extends OnnxValue> maps, int rows)
            throws OrtException, ModelException {
        if (maps.size() != rows) {
            throw new ModelException(LoadFailure.WRONG_OUTPUT_SHAPE,
                    label + ": output '" + spec.name() + "' returned " + maps.size()
                            + " maps for " + rows + " rows");
        }
        List<String> classes = spec.classes();
        float[] values = new float[rows * classes.size()];
        for (int r = 0; r < rows; r++) {
            Map<?, ?> map = ((OnnxMap) maps.get(r)).getValue();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                int c = classes.indexOf(String.valueOf(entry.getKey()));
                if (c < 0) {
                    throw new ModelException(LoadFailure.WRONG_OUTPUT_SHAPE,
                            label + ": output '" + spec.name() + "' has class '"
                                    + entry.getKey() + "', which its ZipMap does not"
                                    + " declare " + classes);
                }
                values[r * classes.size() + c] = ((Number) entry.getValue()).floatValue();
            }
        }
        return new ScoredBatch.Column(spec, values, null, classes.size());
    }

    private static int perRow(String label, OutputSpec spec, int total, int rows)
            throws ModelException {
        if (total % rows != 0) {
            throw new ModelException(LoadFailure.WRONG_OUTPUT_SHAPE,
                    label + ": output '" + spec.name() + "' returned " + total + " values for "
                            + rows + " rows");
        }
        return total / rows;
    }

    /** The strings of a string tensor of any rank, row-major. */
    private static String[] strings(Object value) {
        if (value instanceof String[] flat) {
            return flat;
        }
        List<String> out = new ArrayList<>();
        flatten(value, out);
        return out.toArray(new String[0]);
    }

    private static void flatten(Object value, List<String> out) {
        if (value instanceof String s) {
            out.add(s);
        } else if (value instanceof Object[] array) {
            for (Object v : array) {
                flatten(v, out);
            }
        }
    }
}
