package io.inferflow.cli.local;

import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model local mode deploys at start: name, version, file, input name and width. */
record LocalModel(String name, long version, Path file, String inputName, int width) {

    /** Reads the model once to learn its input (and to fail early on a bad file). */
    static LocalModel inspect(String name, long version, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "model '" + name + "': file " + file + " does not exist");
        }
        try (OnnxModel model =
                OnnxModel.load(name, Files.readAllBytes(file), RuntimeSettings.defaults())) {
            return new LocalModel(name, version, file, model.inputName(), model.inputWidth());
        } catch (ModelException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return name + " v" + version + " (" + width + " features)";
    }
}
