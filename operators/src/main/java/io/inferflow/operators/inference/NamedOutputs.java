package io.inferflow.operators.inference;

import io.inferflow.model.OutputLayout;
import io.inferflow.model.OutputSpec;
import io.inferflow.model.ScoredBatch;
import io.inferflow.schemas.avro.ClassProbability;
import io.inferflow.schemas.avro.NamedOutput;
import io.inferflow.schemas.avro.Prediction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fills a prediction's named outputs, label and class probabilities from one row of a {@link
 * ScoredBatch}, as the model's {@link OutputLayout} names them. A scorer without a layout (test
 * fakes, the identity scorer) leaves them empty.
 */
final class NamedOutputs {

    private NamedOutputs() {}

    static void fill(Prediction.Builder prediction, ScoredBatch batch, OutputLayout layout,
            int row) {
        if (batch == null || batch.columns().isEmpty()) {
            return;
        }
        List<NamedOutput> outputs = new ArrayList<>(batch.columns().size());
        for (ScoredBatch.Column c : batch.columns()) {
            outputs.add(NamedOutput.newBuilder()
                    .setName(c.spec().name())
                    .setValues(c.values() == null ? List.of() : floats(c.values(), row, c.perRow()))
                    .setStrings(c.strings() == null ? List.of()
                            : Arrays.asList(c.strings()).subList(
                                    row * c.perRow(), (row + 1) * c.perRow()))
                    .build());
        }
        prediction.setOutputs(outputs);
        if (layout == null) {
            return;
        }
        if (layout.label() >= 0) {
            prediction.setLabel(label(batch.columns().get(layout.label()), row));
        }
        if (layout.probabilities() >= 0) {
            ScoredBatch.Column c = batch.columns().get(layout.probabilities());
            List<String> classes = layout.classes();
            List<ClassProbability> pairs = new ArrayList<>(classes.size());
            for (int i = 0; i < classes.size(); i++) {
                pairs.add(new ClassProbability(classes.get(i), c.values()[row * c.perRow() + i]));
            }
            prediction.setProbabilities(pairs);
        }
    }

    /** The row's label: a string as is, an int64 without a fraction. */
    private static String label(ScoredBatch.Column c, int row) {
        if (c.strings() != null) {
            return c.strings()[row * c.perRow()];
        }
        float v = c.values()[row * c.perRow()];
        return c.spec().kind() == OutputSpec.Kind.NUMERIC && v == Math.rint(v)
                ? Long.toString((long) v)
                : Float.toString(v);
    }

    private static List<Float> floats(float[] values, int row, int per) {
        List<Float> out = new ArrayList<>(per);
        for (int i = row * per; i < (row + 1) * per; i++) {
            out.add(values[i]);
        }
        return out;
    }
}
