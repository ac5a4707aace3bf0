package io.inferflow.cli.local;

import io.inferflow.model.InputSpec;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model local mode deploys at start: name, version, file, input name and width, and its inputs
 * (one float32 input for a flat model; the demo producer sends named inputs to any other).
 */
record LocalModel(
        String name, long version, Path file, String inputName, int width,
        List<InputSpec> inputs) {

    /** Whether events feed it the flat {@code features} array. */
    boolean flat() {
        return inputs.size() == 1 && inputs.get(0).kind() == InputSpec.Kind.FLOAT;
    }

    /** Reads the model once to learn its input (and to fail early on a bad file). */
    static LocalModel inspect(String name, long version, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "model '" + name + "': file " + file + " does not exist");
        }
        try (OnnxModel model =
                OnnxModel.load(name, Files.readAllBytes(file), RuntimeSettings.defaults())) {
            return new LocalModel(name, version, file, model.inputName(), model.inputWidth(),
                    model.signature().inputs());
        } catch (ModelException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return name + " v" + version + " (" + (flat() ? width + " features" : "inputs " + inputs)
                + ")";
    }
}
