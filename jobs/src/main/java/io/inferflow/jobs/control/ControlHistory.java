package io.inferflow.jobs.control;

import io.inferflow.model.ModelSignature;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;

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

    /**
     * The latest DEPLOY of {@code version}, whose descriptor a ROLLBACK to it repeats: a push, or
     * the promotion of a candidate (a DEPLOY of the candidate's descriptor). A rollout's record is
     * a DEPLOY of its stable version; {@link ControlRecords#reissue} drops its candidate.
     */
    public Optional<ModelControl> deployOf(String model, long version) {
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
     * Highest version ever deployed for {@code model} or rolled out as a candidate (even one
     * aborted since), 0 if none.
     */
    public long highestVersion(String model) {
        return byModel.getOrDefault(model, List.of()).stream()
                .flatMapToLong(r -> LongStream.of(
                        r.getAction() == ModelAction.DEPLOY ? r.getVersion() : 0,
                        r.getCandidate() == null ? 0 : r.getCandidate().getVersion()))
                .max()
                .orElse(0);
    }
}
