package io.inferflow.operators.control;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.Precision;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Conversions between control records and the loader's {@link ModelDescriptor}s.
 *
 * <pre>{@code
 * ModelControl push = ModelControls.control(descriptor, ModelAction.DEPLOY, 7, now, "alice");
 * ModelDescriptor toLoad = ModelControls.descriptor(push);
 * }</pre>
 */
public final class ModelControls {

    private ModelControls() {}

    /**
     * The descriptor of the version a DEPLOY or ROLLBACK names.
     *
     * @throws IllegalArgumentException for a RETIRE, or when the descriptor is invalid (no uri,
     *     a malformed sha256...); the message names the bad value
     */
    public static ModelDescriptor descriptor(ModelControl control) {
        Objects.requireNonNull(control, "control");
        if (control.getAction() == ModelAction.RETIRE) {
            throw new IllegalArgumentException(
                    "model '" + control.getName() + "' generation " + control.getGeneration()
                            + ": a RETIRE names no version to load");
        }
        return ModelDescriptor.builder()
                .name(control.getName())
                .version(control.getVersion())
                .uri(control.getUri())
                .sha256(control.getSha256())
                .signature(control.getSignature())
                .keyId(control.getKeyId())
                .inputName(control.getInputName())
                .inputWidth(control.getInputWidth())
                .precision(precision(control.getPrecision()))
                .build();
    }

    /** A DEPLOY or ROLLBACK record carrying {@code descriptor}; no reference profile. */
    public static ModelControl control(
            ModelDescriptor descriptor,
            ModelAction action,
            long generation,
            Instant issuedAt,
            String issuedBy) {
        Objects.requireNonNull(descriptor, "descriptor");
        if (action == ModelAction.RETIRE) {
            throw new IllegalArgumentException(
                    "model " + descriptor + ": use retire(...) for a RETIRE, it carries no"
                            + " descriptor");
        }
        return ModelControl.newBuilder()
                .setName(descriptor.name())
                .setVersion(descriptor.version())
                .setAction(Objects.requireNonNull(action, "action"))
                .setGeneration(generation)
                .setUri(descriptor.uri())
                .setSha256(descriptor.sha256())
                .setSignature(descriptor.signature())
                .setKeyId(descriptor.keyId())
                .setInputName(descriptor.inputName())
                .setInputWidth(descriptor.inputWidth())
                .setPrecision(precision(descriptor.precision()))
                .setIssuedAt(Objects.requireNonNull(issuedAt, "issuedAt"))
                .setIssuedBy(Objects.requireNonNull(issuedBy, "issuedBy"))
                .build();
    }

    /** A model served from the start: a DEPLOY of generation 0, issued at the epoch. */
    public static ModelControl initial(ModelDescriptor descriptor) {
        return control(descriptor, ModelAction.DEPLOY, 0L, Instant.EPOCH, "config");
    }

    /** A RETIRE record: stop serving {@code name}; {@code lastVersion} is informative. */
    public static ModelControl retire(
            String name, long lastVersion, long generation, Instant issuedAt, String issuedBy) {
        return ModelControl.newBuilder()
                .setName(Objects.requireNonNull(name, "name"))
                .setVersion(lastVersion)
                .setAction(ModelAction.RETIRE)
                .setGeneration(generation)
                .setIssuedAt(Objects.requireNonNull(issuedAt, "issuedAt"))
                .setIssuedBy(Objects.requireNonNull(issuedBy, "issuedBy"))
                .build();
    }

    public static Precision precision(ModelPrecision precision) {
        return precision == null ? Precision.FP32 : Precision.valueOf(precision.name());
    }

    public static ModelPrecision precision(Precision precision) {
        return precision == null ? ModelPrecision.FP32 : ModelPrecision.valueOf(precision.name());
    }

    /**
     * Checks the records of the models served from the start: DEPLOYs (or ROLLBACKs), at most one
     * per name.
     *
     * @throws IllegalArgumentException when a model is named twice or a record is a RETIRE
     */
    public static void checkInitial(List<ModelControl> initialModels) {
        Map<String, ModelControl> byName = new HashMap<>();
        for (ModelControl control : initialModels) {
            if (control.getAction() == ModelAction.RETIRE) {
                throw new IllegalArgumentException(
                        "initial model '" + control.getName() + "' is a RETIRE; give a DEPLOY");
            }
            ModelControl previous = byName.put(control.getName(), control);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "model '" + control.getName() + "' is given twice (v"
                                + previous.getVersion() + " and v" + control.getVersion()
                                + "); serve one version per name");
            }
        }
    }

    /** {@code 'fraud' v3}, the form used in log lines and messages. */
    public static String label(ModelControl control) {
        return "'" + control.getName() + "' v" + control.getVersion();
    }
}
