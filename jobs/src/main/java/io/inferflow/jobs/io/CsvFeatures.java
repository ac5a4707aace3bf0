package io.inferflow.jobs.io;

import io.inferflow.schemas.avro.FeatureEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feature events from a CSV file with a header: column {@code id} becomes {@code event_id}, an
 * optional {@code entity_id} column the entity (else the id), every other column one feature in
 * file order. Errors name the line and column.
 */
public final class CsvFeatures {

    private CsvFeatures() {}

    public static List<FeatureEvent> read(Path file, String model) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("CSV " + file + " is empty; expected a header");
        }
        List<String> header = split(lines.get(0));
        int id = header.indexOf("id");
        if (id < 0) {
            throw new IllegalArgumentException(
                    "CSV " + file + " has no 'id' column; header is " + header);
        }
        int entity = header.indexOf("entity_id");
        List<FeatureEvent> events = new ArrayList<>(lines.size() - 1);
        long now = System.currentTimeMillis();
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
            List<Float> features = new ArrayList<>(cells.size());
            for (int c = 0; c < cells.size(); c++) {
                if (c == id || c == entity) {
                    continue;
                }
                try {
                    features.add(Float.parseFloat(cells.get(c)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            file + " line " + (l + 1) + " column '" + header.get(c) + "': '"
                                    + cells.get(c) + "' is not a number");
                }
            }
            String eventId = cells.get(id);
            events.add(
                    FeatureProducer.event(
                            eventId, entity >= 0 ? cells.get(entity) : eventId, model, now,
                            features));
        }
        return events;
    }

    private static List<String> split(String line) {
        return Arrays.stream(line.split(",", -1)).map(String::trim).toList();
    }
}
