package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;

import java.time.Instant;

/** Control records and descriptors for tests; sha256 and uri are derived from name and version. */
final class Models {

    private Models() {}

    static ModelDescriptor descriptor(String name, long version) {
        return ModelDescriptor.builder()
                .name(name)
                .version(version)
                .uri("file:///models/" + name + "-" + version + ".onnx")
                .sha256(String.format("%064x", version))
                .build();
    }

    static ModelControl deploy(String name, long version, long generation) {
        return ModelControls.control(
                descriptor(name, version),
                ModelAction.DEPLOY,
                generation,
                Instant.ofEpochMilli(1_000 + generation),
                "test");
    }

    static ModelControl rollback(String name, long version, long generation) {
        return ModelControls.control(
                descriptor(name, version),
                ModelAction.ROLLBACK,
                generation,
                Instant.ofEpochMilli(1_000 + generation),
                "test");
    }

    static ModelControl retire(String name, long lastVersion, long generation) {
        return ModelControls.retire(
                name, lastVersion, generation, Instant.ofEpochMilli(1_000 + generation), "test");
    }

    static ModelControl initial(String name, long version) {
        return ModelControls.initial(descriptor(name, version));
    }
}
