package io.inferflow.model;

import java.util.List;
import java.util.Objects;

/**
 * One output of a model as the loader serves it.
 *
 * @param name the output's name in the graph
 * @param kind what each row holds
 * @param elementType the ONNX Runtime element type of a tensor ({@code FLOAT}, {@code INT64},
 *     {@code STRING}...), or of a class map's keys
 * @param perRow the per-row shape: the dimensions after the batch, -1 where dynamic; {@code [C]}
 *     for a class map of C classes
 * @param classes a class map's class labels in the model's class order; empty otherwise
 */
public record OutputSpec(
        String name, Kind kind, String elementType, List<Long> perRow, List<String> classes) {

    /** What an output holds per row. */
    public enum Kind {
        /** A float, double, int64 or int32 tensor with the batch first: values per row. */
        NUMERIC,
        /** A string tensor with the batch first (class labels): strings per row. */
        STRING,
        /**
         * A sequence of maps, one per row, from class label (int64 or string) to probability,
         * as ZipMap writes it: read as probabilities in {@link #classes} order.
         */
        CLASS_MAP
    }

    public OutputSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        perRow = List.copyOf(perRow);
        classes = List.copyOf(classes);
    }

    /** Whether its values go into a prediction's flattened {@code scores}. */
    public boolean numeric() {
        return kind != Kind.STRING;
    }
}
