package io.inferflow.model;

import java.util.Objects;

/**
 * One input of a model as its graph declares it: a tensor {@code [batch, width]} (or {@code
 * [batch]}, one value per row) of float32, int64 or string elements. A {@code FeatureEvent} feeds
 * it from its named input of the same name (or, for a model whose only input is float32, from
 * its flat {@code features} array).
 *
 * @param name the input's name in the graph
 * @param kind its element type
 * @param width values per row (1 for a rank-1 input)
 * @param rankOne whether the graph declares it {@code [batch]} rather than {@code [batch, width]}
 */
public record InputSpec(String name, Kind kind, int width, boolean rankOne) {

    /** The element types an input may have, and how a {@code FeatureEvent} carries each. */
    public enum Kind {
        /** float32, carried as {@code floats}. */
        FLOAT("floats"),
        /** int64 (categorical codes a graph one-hot-encodes), carried as {@code longs}. */
        INT64("longs"),
        /** string (categories a graph one-hot-encodes), carried as {@code strings}. */
        STRING("strings");

        private final String field;

        Kind(String field) {
            this.field = field;
        }

        /** The {@code NamedInput} field that carries values of this kind. */
        public String field() {
            return field;
        }

        /** Whether drift profiles count it (float32 and int64 values are numbers). */
        public boolean numeric() {
            return this != STRING;
        }
    }

    public InputSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (width < 1) {
            throw new IllegalArgumentException(
                    "input '" + name + "': width must be at least 1, got " + width);
        }
        if (rankOne && width != 1) {
            throw new IllegalArgumentException(
                    "input '" + name + "': a rank-1 input has width 1, got " + width);
        }
    }

    /** A float32 input {@code [batch, width]}. */
    public static InputSpec floats(String name, int width) {
        return new InputSpec(name, Kind.FLOAT, width, false);
    }

    /** The ONNX Runtime tensor shape for {@code rows} rows. */
    long[] shape(int rows) {
        return rankOne ? new long[] {rows} : new long[] {rows, width};
    }

    /** {@code cat: string[1]}, {@code num: float[2]}. */
    @Override
    public String toString() {
        return name + ": " + kind.name().toLowerCase(java.util.Locale.ROOT) + "[" + width + "]";
    }
}
