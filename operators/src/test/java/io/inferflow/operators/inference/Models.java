package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;

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

    /** A candidate of {@code name} v{@code version} in {@code mode}, without guardrails. */
    static ModelCandidate candidate(String name, long version, RolloutMode mode, double percent) {
        ModelDescriptor d = descriptor(name, version);
        return ModelCandidate.newBuilder()
                .setVersion(version)
                .setUri(d.uri())
                .setSha256(d.sha256())
                .setMode(mode)
                .setPercent(percent)
                .build();
    }

    /** {@code stable} with a canary of v{@code candidate} on {@code percent}% of entities. */
    static ModelControl canary(
            String name, long stable, long candidate, double percent, long generation) {
        return Rollouts.withCandidate(deploy(name, stable, generation),
                candidate(name, candidate, RolloutMode.CANARY, percent), generation,
                Instant.ofEpochMilli(1_000 + generation), "test");
    }

    /** {@code stable} with v{@code candidate} in its shadow. */
    static ModelControl shadow(String name, long stable, long candidate, long generation) {
        return Rollouts.withCandidate(deploy(name, stable, generation),
                candidate(name, candidate, RolloutMode.SHADOW, 0), generation,
                Instant.ofEpochMilli(1_000 + generation), "test");
    }
}
