package io.inferflow.jobs.control;

import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The control topic's records, grouped by model: what the CLI needs to pick the next generation,
 * find the descriptor of a version to roll back to, and show what is desired.
 */
public final class ControlHistory {

    private final Map<String, List<ModelControl>> byModel = new TreeMap<>();

    public void add(ModelControl record) {
        byModel.computeIfAbsent(record.getName(), k -> new ArrayList<>()).add(record);
    }

    public List<String> models() {
        return List.copyOf(byModel.keySet());
    }

    /** The next generation for {@code model}: one more than any seen, 1 for a new model. */
    public long nextGeneration(String model) {
        return byModel.getOrDefault(model, List.of()).stream()
                        .mapToLong(ModelControl::getGeneration)
                        .max()
                        .orElse(0)
                + 1;
    }

    /** The record with the highest generation: the model's desired state. */
    public Optional<ModelControl> desired(String model) {
        return byModel.getOrDefault(model, List.of()).stream()
                .max(Comparator.comparingLong(ModelControl::getGeneration));
    }

    /** The latest DEPLOY of {@code version}, whose descriptor a ROLLBACK to it repeats. */
    public Optional<ModelControl> deployOf(String model, long version) {
        return byModel.getOrDefault(model, List.of()).stream()
                .filter(r -> r.getAction() == ModelAction.DEPLOY && r.getVersion() == version)
                .max(Comparator.comparingLong(ModelControl::getGeneration));
    }

    /** Highest version ever deployed for {@code model}, 0 if none. */
    public long highestVersion(String model) {
        return byModel.getOrDefault(model, List.of()).stream()
                .filter(r -> r.getAction() == ModelAction.DEPLOY)
                .mapToLong(ModelControl::getVersion)
                .max()
                .orElse(0);
    }
}
