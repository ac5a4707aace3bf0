package io.inferflow.jobs.io;

import io.inferflow.schemas.avro.FeatureEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feature rows from a CSV file with a header: column {@code id} becomes {@code event_id}, an
 * optional {@code entity_id} column the entity (else the id), an optional {@code label} column
 * the row's true outcome (never a feature), every other column one feature in file order. Errors
 * name the line and column.
 */
public final class CsvFeatures {

    private CsvFeatures() {}

    /** Columns that are never features. */
    static final List<String> NOT_FEATURES = List.of("id", "entity_id", "label");

    /** One parsed file: per row its id, entity and label (each null when absent) and features. */
    private record Table(
            List<String> ids, List<String> entities, List<Double> labels, List<float[]> rows) {}

    /** A feature event and its row's label (null without a {@code label} column). */
    public record Row(FeatureEvent event, Double label) {}

    /** Feature events for {@code model}; the file must have an {@code id} column. */
    public static List<FeatureEvent> read(Path file, String model) throws IOException {
        return readRows(file, model).stream().map(Row::event).toList();
    }

    /** Feature events for {@code model} with their labels; the file needs an {@code id} column. */
    public static List<Row> readRows(Path file, String model) throws IOException {
        Table table = parse(file, true);
        List<Row> events = new ArrayList<>(table.rows().size());
        long now = System.currentTimeMillis();
        for (int r = 0; r < table.rows().size(); r++) {
            List<Float> features = new ArrayList<>();
            for (float f : table.rows().get(r)) {
                features.add(f);
            }
            String id = table.ids().get(r);
            String entity = table.entities().get(r);
            events.add(
                    new Row(
                            FeatureProducer.event(
                                    id, entity != null ? entity : id, model, now, features),
                            table.labels().get(r)));
        }
        return events;
    }

    /** The feature columns' names, in order: the header without the {@link #NOT_FEATURES}. */
    public static List<String> featureNames(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String header = reader.readLine();
            if (header == null) {
                throw new IllegalArgumentException("CSV " + file + " is empty; expected a header");
            }
            return split(header).stream().filter(c -> !NOT_FEATURES.contains(c)).toList();
        }
    }

    /** The feature rows only; {@code id}, {@code entity_id} and {@code label} are optional. */
    public static float[][] rows(Path file) throws IOException {
        return parse(file, false).rows().toArray(new float[0][]);
    }

    private static Table parse(Path file, boolean requireId) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("CSV " + file + " is empty; expected a header");
        }
        List<String> header = split(lines.get(0));
        int id = header.indexOf("id");
        if (id < 0 && requireId) {
            throw new IllegalArgumentException(
                    "CSV " + file + " has no 'id' column; header is " + header);
        }
        int entity = header.indexOf("entity_id");
        int label = header.indexOf("label");
        Table table =
                new Table(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                        new ArrayList<>());
        for (int l = 1; l < lines.size(); l++) {
            if (lines.get(l).isBlank()) {
                continue;
            }
            List<String> cells = split(lines.get(l));
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(
                        file + " line " + (l + 1) + " has " + cells.size() + " columns, the header "
                                + header.size());
            }
            float[] row =
                    new float[header.size() - (id >= 0 ? 1 : 0) - (entity >= 0 ? 1 : 0)
                            - (label >= 0 ? 1 : 0)];
            int f = 0;
            for (int c = 0; c < cells.size(); c++) {
                if (c == id || c == entity || c == label) {
                    continue;
                }
                try {
                    row[f++] = Float.parseFloat(cells.get(c));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            file + " line " + (l + 1) + " column '" + header.get(c) + "': '"
                                    + cells.get(c) + "' is not a number");
                }
            }
            table.ids().add(id >= 0 ? cells.get(id) : null);
            table.entities().add(entity >= 0 ? cells.get(entity) : null);
            table.labels().add(label >= 0 ? number(file, l, "label", cells.get(label)) : null);
            table.rows().add(row);
        }
        return table;
    }

    private static double number(Path file, int line, String column, String cell) {
        try {
            double value = Double.parseDouble(cell);
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(
                file + " line " + (line + 1) + " column '" + column + "': '" + cell
                        + "' is not a finite number");
    }

    private static List<String> split(String line) {
        return Arrays.stream(line.split(",", -1)).map(String::trim).toList();
    }
}
