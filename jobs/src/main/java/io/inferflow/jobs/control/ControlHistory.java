package io.inferflow.jobs.control;

import io.inferflow.model.ModelSignature;
import io.inferflow.operators.control.Rollouts;
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
    private final Map<String, Map<Long, ModelControl>> versionRecords = new TreeMap<>();

    /** Adds a record read from the topic: a desired-state record, or a VERSION record. */
    public void add(ModelControl record) {
        if (record.getAction() == ModelAction.VERSION) {
            // The first one of a version is its identity (the job refuses later ones that differ).
            versionRecords.computeIfAbsent(record.getName(), k -> new TreeMap<>())
                    .putIfAbsent(record.getVersion(), record);
            return;
        }
        byModel.computeIfAbsent(record.getName(), k -> new ArrayList<>()).add(record);
    }

    /**
     * Every version of {@code model} ever pushed, by version: its VERSION record, or for a version
     * pushed before VERSION records existed, the first DEPLOY or rollout that named it (as far as
     * compaction left them). Retired and aborted versions stay: a number is never free again.
     */
    public Map<Long, ModelControl> versions(String model) {
        Map<Long, ModelControl> out =
                new TreeMap<>(versionRecords.getOrDefault(model, Map.of()));
        for (ModelControl r : byModel.getOrDefault(model, List.of())) {
            if (r.getAction() == ModelAction.RETIRE) {
                continue;
            }
            out.putIfAbsent(r.getVersion(), ControlRecords.version(r));
            if (r.getCandidate() != null) {
                out.putIfAbsent(r.getCandidate().getVersion(),
                        ControlRecords.version(Rollouts.candidateControl(r)));
            }
        }
        return out;
    }

    public List<String> models() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(byModel.keySet());
        names.addAll(versionRecords.keySet());
        return List.copyOf(names);
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

    /**
     * The latest DEPLOY of {@code version}, whose descriptor a ROLLBACK to it repeats: a push, or
     * the promotion of a candidate (a DEPLOY of the candidate's descriptor). A rollout's record is
     * a DEPLOY of its stable version; {@link ControlRecords#reissue} drops its candidate.
     */
    public Optional<ModelControl> deployOf(String model, long version) {
        ModelControl identity = versionRecords.getOrDefault(model, Map.of()).get(version);
        if (identity != null) {
            return Optional.of(identity);
        }
        return byModel.getOrDefault(model, List.of()).stream()
                .filter(r -> r.getAction() == ModelAction.DEPLOY && r.getVersion() == version)
                .max(Comparator.comparingLong(ModelControl::getGeneration));
    }

    /**
     * How a version of {@code model} whose input is {@code inputName} with {@code inputWidth}
     * features would change the input contract its desired DEPLOY or ROLLBACK declares, naming
     * both sides ({@code model 'fraud' v7 takes 8 features, v3 serving now takes 16}); empty when
     * it would not, when the model has no record or its desired one is a RETIRE, and for what the
     * desired record does not declare (a null name, a width of 0). The job compares the same
     * input, and the outputs too, against the version it serves.
     */
    public Optional<String> inputChange(
            String model, long version, String inputName, int inputWidth) {
        return desired(model)
                .filter(d -> d.getAction() != ModelAction.RETIRE)
                .map(d -> ModelSignature.inputIncompatibility(
                        "model '" + model + "' v" + version, inputName, inputWidth,
                        "v" + d.getVersion() + " serving now", d.getInputName(),
                        d.getInputWidth()));
    }

    /**
     * Highest version ever pushed for {@code model}: deployed, rolled out as a candidate (even one
     * aborted since) or retired since, 0 if none.
     */
    public long highestVersion(String model) {
        return versions(model).keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
