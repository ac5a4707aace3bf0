package io.inferflow.jobs.io;

import io.inferflow.schemas.avro.FeatureEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feature rows from a CSV file with a header: column {@code id} becomes {@code event_id}, an
 * optional {@code entity_id} column the entity (else the id), every other column one feature in
 * file order. Errors name the line and column.
 */
public final class CsvFeatures {

    private CsvFeatures() {}

    /** One parsed file: per row its id (or null), entity (or null) and features. */
    private record Table(List<String> ids, List<String> entities, List<float[]> rows) {}

    /** Feature events for {@code model}; the file must have an {@code id} column. */
    public static List<FeatureEvent> read(Path file, String model) throws IOException {
        Table table = parse(file, true);
        List<FeatureEvent> events = new ArrayList<>(table.rows().size());
        long now = System.currentTimeMillis();
        for (int r = 0; r < table.rows().size(); r++) {
            List<Float> features = new ArrayList<>();
            for (float f : table.rows().get(r)) {
                features.add(f);
            }
            String id = table.ids().get(r);
            String entity = table.entities().get(r);
            events.add(FeatureProducer.event(id, entity != null ? entity : id, model, now, features));
        }
        return events;
    }

    /** The feature rows only; {@code id} and {@code entity_id} columns are optional. */
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
        Table table = new Table(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
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
            float[] row = new float[header.size() - (id >= 0 ? 1 : 0) - (entity >= 0 ? 1 : 0)];
            int f = 0;
            for (int c = 0; c < cells.size(); c++) {
                if (c == id || c == entity) {
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
            table.rows().add(row);
        }
        return table;
    }

    private static List<String> split(String line) {
        return Arrays.stream(line.split(",", -1)).map(String::trim).toList();
    }
}
