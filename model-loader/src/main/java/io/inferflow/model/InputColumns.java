package io.inferflow.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a model's named inputs are in a table with a header (a CSV file of reference rows or of
 * events to produce): an input of width 1 reads the column of its name, a wider one the columns
 * {@code NAME[0]} .. {@code NAME[w-1]}. Other columns are not the model's.
 */
public final class InputColumns {

    private InputColumns() {}

    /** The column name of value {@code j} of {@code input}. */
    public static String name(InputSpec input, int j) {
        return input.width() == 1 ? input.name() : input.name() + "[" + j + "]";
    }

    /**
     * For each input, in order, the header indexes of its values.
     *
     * @throws IllegalArgumentException naming the first column the header lacks
     */
    public static List<int[]> locate(List<InputSpec> inputs, List<String> header) {
        List<int[]> columns = new ArrayList<>(inputs.size());
        for (InputSpec input : inputs) {
            int[] at = new int[input.width()];
            for (int j = 0; j < at.length; j++) {
                at[j] = header.indexOf(name(input, j));
                if (at[j] < 0) {
                    throw new IllegalArgumentException(
                            "the model's input " + input + " needs column '" + name(input, j)
                                    + "'; the header has " + header);
                }
            }
            columns.add(at);
        }
        return columns;
    }

    /** A float32 cell; {@code where} names it in the error ({@code row 3 column 'x'}). */
    public static float number(String cell, String where) {
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": '" + cell + "' is not a number");
        }
    }

    /** An int64 cell; {@code where} names it in the error. */
    public static long integer(String cell, String where) {
        try {
            return Long.parseLong(cell.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    where + ": '" + cell + "' is not an integer (the input is int64)");
        }
    }
}
