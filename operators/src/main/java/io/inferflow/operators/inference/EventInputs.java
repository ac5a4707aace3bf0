package io.inferflow.operators.inference;

import io.inferflow.model.InputBatch;
import io.inferflow.model.InputSpec;
import io.inferflow.model.ModelSignature;
import io.inferflow.operators.inference.EventChecks.Rejection;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import io.inferflow.schemas.wire.ErrorTypes;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a model's inputs come from in a {@link FeatureEvent}. A model with one float32 input
 * ({@link ModelSignature#flat()}) reads the flat {@code features} array or, when that is empty,
 * the named input of its input's name. Any other model (several inputs, int64 or string inputs)
 * reads each graph input from the event's named input of the same name, in the field of its
 * type; named inputs the model does not take are ignored, so a producer can send the union of
 * what two versions take during a rollout.
 */
final class EventInputs {

    private EventInputs() {}

    /**
     * Why the event cannot feed {@code signature}'s inputs, or null when it can.
     *
     * @param label how messages name the version, e.g. {@code 'fraud' v3}
     * @param signature the model's signature; null (a fake scorer) means one float32 input of
     *     {@code width}
     */
    static Rejection check(
            String label, ModelSignature signature, int width, FeatureEvent event,
            NonFiniteFeaturePolicy policy) {
        if (signature == null || signature.flat()) {
            String name = signature == null ? null : signature.inputs().get(0).name();
            List<Float> row = flatRow(event, name);
            if (row.size() != width) {
                return new Rejection(
                        ErrorTypes.WRONG_WIDTH,
                        "model " + label + ": input has width " + width + ", event carries "
                                + row.size() + describeEmpty(event, row, name));
            }
            return checkFloats(label, "feature ", row, policy);
        }
        List<NamedInput> given = event.getInputs();
        for (InputSpec spec : signature.inputs()) {
            NamedInput input = find(given, spec.name());
            if (input == null) {
                return new Rejection(
                        ErrorTypes.WRONG_WIDTH,
                        "model " + label + " takes inputs " + signature.inputs() + "; the event"
                                + " has no input '" + spec.name() + "' (it carries "
                                + names(given) + ")");
            }
            int carried = switch (spec.kind()) {
                case FLOAT -> input.getFloats().size();
                case INT64 -> input.getLongs().size();
                case STRING -> input.getStrings().size();
            };
            if (carried != spec.width()) {
                return new Rejection(
                        ErrorTypes.WRONG_WIDTH,
                        "model " + label + ": input " + spec + " takes " + spec.width() + " "
                                + spec.kind().field() + ", event carries " + carried);
            }
            Rejection bad = switch (spec.kind()) {
                case FLOAT -> checkFloats(
                        label, "input '" + spec.name() + "' value ", input.getFloats(), policy);
                case INT64 -> nulls(label, spec, input.getLongs());
                case STRING -> nulls(label, spec, input.getStrings());
            };
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    /** The values a one-float32-input model reads: {@code features}, or else the named input. */
    static List<Float> flatRow(FeatureEvent event, String inputName) {
        List<Float> features = event.getFeatures();
        if (!features.isEmpty() || inputName == null) {
            return features;
        }
        NamedInput named = find(event.getInputs(), inputName);
        return named == null ? features : named.getFloats();
    }

    /**
     * Appends the rows' values to {@code batch}, every input of a row before the next row; with
     * {@code zeroNonFinite} NaN and ±Infinity in float inputs become 0. The rows were checked.
     */
    static void fill(InputBatch batch, ModelSignature signature, List<FeatureEvent> rows,
            boolean zeroNonFinite) {
        batch.clear(rows.size());
        List<InputSpec> specs = signature.inputs();
        for (FeatureEvent event : rows) {
            for (int i = 0; i < specs.size(); i++) {
                NamedInput input = find(event.getInputs(), specs.get(i).name());
                switch (specs.get(i).kind()) {
                    case FLOAT -> {
                        for (Float f : input.getFloats()) {
                            float v = f;
                            batch.floats(i).put(zeroNonFinite && !Float.isFinite(v) ? 0f : v);
                        }
                    }
                    case INT64 -> {
                        for (Long v : input.getLongs()) {
                            batch.longs(i).put(v);
                        }
                    }
                    case STRING -> {
                        for (CharSequence v : input.getStrings()) {
                            batch.putString(i, v.toString());
                        }
                    }
                }
            }
        }
    }

    private static NamedInput find(List<NamedInput> inputs, String name) {
        for (NamedInput input : inputs) {
            if (name.contentEquals(input.getName())) {
                return input;
            }
        }
        return null;
    }

    private static Rejection checkFloats(
            String label, String what, List<Float> values, NonFiniteFeaturePolicy policy) {
        for (int i = 0; i < values.size(); i++) {
            Float v = values.get(i);
            if (v == null) {
                return new Rejection(
                        ErrorTypes.INVALID_EVENT, "model " + label + ": " + what + i + " is null");
            }
            if (policy == NonFiniteFeaturePolicy.REJECT && !Float.isFinite(v)) {
                return new Rejection(
                        ErrorTypes.NON_FINITE_FEATURE,
                        "model " + label + ": " + what + i + " is " + v);
            }
        }
        return null;
    }

    private static Rejection nulls(String label, InputSpec spec, List<?> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                return new Rejection(
                        ErrorTypes.INVALID_EVENT,
                        "model " + label + ": input '" + spec.name() + "' value " + i
                                + " is null");
            }
        }
        return null;
    }

    private static String describeEmpty(FeatureEvent event, List<Float> row, String name) {
        if (!row.isEmpty() || event.getInputs().isEmpty()) {
            return "";
        }
        return " (no features, and no named input '" + name + "' among " + names(event.getInputs())
                + ")";
    }

    private static List<String> names(List<NamedInput> inputs) {
        List<String> names = new ArrayList<>(inputs.size());
        for (NamedInput input : inputs) {
            names.add(input.getName().toString());
        }
        return names;
    }
}
