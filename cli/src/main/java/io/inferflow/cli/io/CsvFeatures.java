package io.inferflow.cli.io;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.inferflow.model.InputColumns;
import io.inferflow.model.InputSpec;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Feature rows from a CSV file with a header: column {@code id} becomes {@code event_id}, an
 * optional {@code entity_id} column the entity (else the id), an optional {@code label} column
 * the row's true outcome (never a feature), every other column one feature in file order. Errors
 * name the line and column. Parsed by Jackson's CSV module (RFC 4180: quoted fields may hold
 * commas, quotes and line breaks); cells are trimmed and blank lines skipped.
 */
public final class CsvFeatures {

    private static final CsvMapper CSV =
            CsvMapper.builder()
                    .enable(CsvParser.Feature.WRAP_AS_ARRAY)
                    .enable(CsvParser.Feature.TRIM_SPACES)
                    .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
                    .build();

    private CsvFeatures() {}

    /** A data line: its cells and its line number in the file (1-based). */
    private record Line(List<String> cells, long number) {}

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

    /**
     * Feature events with named inputs for a model that takes {@code inputs} (several inputs, or
     * int64 or string ones): each input reads the column of its name ({@code NAME[0]}, ... when
     * wider, see {@link InputColumns}); {@code id}, {@code entity_id} and {@code label} as in
     * {@link #readRows}. Errors name the line and column.
     */
    public static List<Row> readNamedRows(Path file, String model, List<InputSpec> inputs)
            throws IOException {
        List<Line> lines = readLines(file);
        List<String> header = header(file, lines);
        int id = header.indexOf("id");
        if (id < 0) {
            throw new IllegalArgumentException(
                    "CSV " + file + " has no 'id' column; header is " + header);
        }
        int entity = header.indexOf("entity_id");
        int label = header.indexOf("label");
        List<int[]> columns;
        try {
            columns = InputColumns.locate(inputs, header);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CSV " + file + ": " + e.getMessage(), e);
        }
        List<Row> rows = new ArrayList<>(lines.size() - 1);
        long now = System.currentTimeMillis();
        for (Line line : lines.subList(1, lines.size())) {
            List<String> cells = line.cells();
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(
                        file + " line " + line.number() + " has " + cells.size()
                                + " columns, the header " + header.size());
            }
            List<NamedInput> named = new ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                List<Float> floats = new ArrayList<>();
                List<Long> longs = new ArrayList<>();
                List<String> strings = new ArrayList<>();
                for (int c : columns.get(i)) {
                    String where = file + " line " + line.number() + " column '"
                            + header.get(c) + "'";
                    switch (inputs.get(i).kind()) {
                        case FLOAT -> floats.add(InputColumns.number(cells.get(c), where));
                        case INT64 -> longs.add(InputColumns.integer(cells.get(c), where));
                        case STRING -> strings.add(cells.get(c));
                    }
                }
                named.add(new NamedInput(inputs.get(i).name(), floats, longs, strings));
            }
            String eventId = cells.get(id);
            FeatureEvent event = FeatureProducer.event(
                    eventId, entity >= 0 ? cells.get(entity) : eventId, model, now, List.of());
            event.setInputs(named);
            rows.add(new Row(event,
                    label >= 0 ? number(file, line.number(), "label", cells.get(label)) : null));
        }
        return rows;
    }

    /** The feature columns' names, in order: the header without the {@link #NOT_FEATURES}. */
    public static List<String> featureNames(Path file) throws IOException {
        return header(file, readLines(file)).stream()
                .filter(c -> !NOT_FEATURES.contains(c))
                .toList();
    }

    /** The feature columns' names and their cells as text, one list per data row. */
    public record Cells(List<String> header, List<List<String>> rows) {}

    /**
     * The feature columns as text (for models with int64 or string inputs): the header without
     * the {@link #NOT_FEATURES}, and each data row's cells in those columns.
     */
    public static Cells featureCells(Path file) throws IOException {
        List<Line> lines = readLines(file);
        List<String> header = header(file, lines);
        List<Integer> keep = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            if (!NOT_FEATURES.contains(header.get(c))) {
                keep.add(c);
                names.add(header.get(c));
            }
        }
        List<List<String>> rows = new ArrayList<>(lines.size() - 1);
        for (Line line : lines.subList(1, lines.size())) {
            if (line.cells().size() != header.size()) {
                throw new IllegalArgumentException(
                        file + " line " + line.number() + " has " + line.cells().size()
                                + " columns, the header " + header.size());
            }
            List<String> row = new ArrayList<>(keep.size());
            for (int c : keep) {
                row.add(line.cells().get(c));
            }
            rows.add(row);
        }
        return new Cells(names, rows);
    }

    /** The feature rows only; {@code id}, {@code entity_id} and {@code label} are optional. */
    public static float[][] rows(Path file) throws IOException {
        return parse(file, false).rows().toArray(new float[0][]);
    }

    private static Table parse(Path file, boolean requireId) throws IOException {
        List<Line> lines = readLines(file);
        List<String> header = header(file, lines);
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
        for (Line line : lines.subList(1, lines.size())) {
            List<String> cells = line.cells();
            long l = line.number();
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(
                        file + " line " + l + " has " + cells.size() + " columns, the header "
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
                            file + " line " + l + " column '" + header.get(c) + "': '"
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

    private static double number(Path file, long line, String column, String cell) {
        try {
            double value = Double.parseDouble(cell);
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(
                file + " line " + line + " column '" + column + "': '" + cell
                        + "' is not a finite number");
    }

    /** Every non-blank line of the file as cells, with its line number. */
    private static List<Line> readLines(Path file) throws IOException {
        List<Line> lines = new ArrayList<>();
        try (MappingIterator<List<String>> it =
                CSV.readerForListOf(String.class)
                        .with(CsvSchema.emptySchema())
                        .readValues(file.toFile())) {
            while (it.hasNextValue()) {
                long number = it.getCurrentLocation().getLineNr();
                List<String> cells = it.nextValue();
                if (!(cells.size() == 1 && cells.get(0).isEmpty())) {
                    lines.add(new Line(cells, number));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "CSV " + file + " cannot be parsed: " + e.getOriginalMessage(), e);
        }
        return lines;
    }

    private static List<String> header(Path file, List<Line> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("CSV " + file + " is empty; expected a header");
        }
        return lines.get(0).cells();
    }
}
