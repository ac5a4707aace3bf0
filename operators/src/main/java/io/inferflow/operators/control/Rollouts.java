package io.inferflow.operators.control;

import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The control records of a rollout: a DEPLOY or ROLLBACK whose {@code candidate} field names a
 * second version scored beside the record's own (stable) version, and the records that end it. A
 * rollout ends with another record of the model, never by a change of state inside the job, so
 * every subtask and every restore reach the same outcome:
 *
 * <ul>
 *   <li>{@link #promote}: the candidate becomes the record's version, no candidate;
 *   <li>{@link #abort}: the stable version alone, no candidate;
 *   <li>any other push, rollback or retire of the model, which replaces the rollout.
 * </ul>
 *
 * <pre>{@code
 * ModelControl canary = Rollouts.withCandidate(desired, candidate, generation, now, "alice");
 * ModelControl done = Rollouts.promote(canary, generation + 1, now, "judge", "promoted ...");
 * }</pre>
 */
public final class Rollouts {

    private Rollouts() {}

    /** Whether {@code control} carries a candidate (a rollout in progress). */
    public static boolean inProgress(ModelControl control) {
        return control != null
                && control.getAction() != ModelAction.RETIRE
                && control.getCandidate() != null;
    }

    /**
     * The DEPLOY that loads the candidate of {@code control}: its descriptor under the model's
     * name and the record's generation, so that the loader and the input contract treat it like
     * any version.
     *
     * @throws IllegalArgumentException when {@code control} has no candidate
     */
    public static ModelControl candidateControl(ModelControl control) {
        ModelCandidate c = control.getCandidate();
        if (c == null) {
            throw new IllegalArgumentException(
                    ModelControls.label(control) + " generation " + control.getGeneration()
                            + " has no candidate");
        }
        return ModelControl.newBuilder()
                .setName(control.getName())
                .setVersion(c.getVersion())
                .setAction(ModelAction.DEPLOY)
                .setGeneration(control.getGeneration())
                .setUri(c.getUri())
                .setSha256(c.getSha256())
                .setSignature(c.getSignature())
                .setKeyId(c.getKeyId())
                .setInputName(c.getInputName())
                .setInputWidth(c.getInputWidth())
                .setPrecision(c.getPrecision())
                .setProfile(c.getProfile())
                .setProfileUri(c.getProfileUri())
                .setIssuedAt(control.getIssuedAt())
                .setIssuedBy(control.getIssuedBy())
                .setAllowSignatureChange(c.getAllowSignatureChange())
                .setCandidate(null)
                .setNote(null)
                .build();
    }

    /**
     * {@code stable} (a DEPLOY or ROLLBACK) with {@code candidate} rolled out beside it, as a new
     * record of {@code generation}.
     *
     * @throws IllegalArgumentException when {@link #problems} finds any
     */
    public static ModelControl withCandidate(
            ModelControl stable,
            ModelCandidate candidate,
            long generation,
            Instant issuedAt,
            String issuedBy) {
        List<String> problems = problems(stable, candidate);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return ModelControl.newBuilder(stable)
                .setGeneration(generation)
                .setIssuedAt(issuedAt)
                .setIssuedBy(issuedBy)
                .setAllowSignatureChange(false)
                .setCandidate(candidate)
                .setNote(null)
                .setRecordKeyId(null)
                .setRecordSignature(null)
                .build();
    }

    /**
     * The record that makes the candidate of {@code desired} the model's only version.
     *
     * @throws IllegalArgumentException when {@code desired} has no candidate
     */
    public static ModelControl promote(
            ModelControl desired, long generation, Instant issuedAt, String issuedBy,
            String note) {
        ModelControl candidate = candidateControl(desired);
        return ModelControl.newBuilder(candidate)
                .setAction(ModelAction.DEPLOY)
                .setGeneration(generation)
                .setIssuedAt(issuedAt)
                .setIssuedBy(issuedBy)
                .setAllowSignatureChange(desired.getCandidate().getAllowSignatureChange())
                .setNote(note)
                .build();
    }

    /**
     * The record that drops the candidate of {@code desired}: its stable version alone.
     *
     * @throws IllegalArgumentException when {@code desired} has no candidate
     */
    public static ModelControl abort(
            ModelControl desired, long generation, Instant issuedAt, String issuedBy,
            String note) {
        if (!inProgress(desired)) {
            throw new IllegalArgumentException(
                    ModelControls.label(desired) + " generation " + desired.getGeneration()
                            + " has no candidate to abort");
        }
        return ModelControl.newBuilder(desired)
                .setGeneration(generation)
                .setIssuedAt(issuedAt)
                .setIssuedBy(issuedBy)
                .setAllowSignatureChange(false)
                .setCandidate(null)
                .setNote(note)
                .setRecordKeyId(null)
                .setRecordSignature(null)
                .build();
    }

    /**
     * What is wrong with rolling out {@code candidate} beside {@code stable}, each problem naming
     * the bad value; empty when nothing is.
     */
    public static List<String> problems(ModelControl stable, ModelCandidate candidate) {
        Objects.requireNonNull(candidate, "candidate");
        List<String> problems = new ArrayList<>();
        String model = "model '" + stable.getName() + "'";
        if (stable.getAction() == ModelAction.RETIRE) {
            problems.add(model + " is retired: deploy a stable version before a candidate");
        }
        if (candidate.getVersion() == stable.getVersion()) {
            problems.add(model + ": the candidate v" + candidate.getVersion()
                    + " is the stable version; push a different version");
        }
        if (candidate.getUri() == null || candidate.getUri().isBlank()) {
            problems.add(model + ": the candidate has no uri");
        }
        double percent = candidate.getPercent();
        if (candidate.getMode() == RolloutMode.CANARY && !(percent > 0 && percent < 100)) {
            problems.add(model + ": a canary's share must be above 0 and below 100 percent, got "
                    + percent);
        }
        Double failures = candidate.getMaxFailureRate();
        if (failures != null && !(failures >= 0 && failures < 1)) {
            problems.add(model + ": max failure rate must be a fraction in [0, 1), got "
                    + failures);
        }
        Double psi = candidate.getMaxScorePsi();
        if (psi != null && !(psi > 0 && Double.isFinite(psi))) {
            problems.add(model + ": max score PSI must be positive, got " + psi);
        }
        if (candidate.getMinEvents() < 0) {
            problems.add(model + ": min events must not be negative, got "
                    + candidate.getMinEvents());
        }
        if (candidate.getAutoPromoteAfter() < 0) {
            problems.add(model + ": auto-promote-after must not be negative, got "
                    + candidate.getAutoPromoteAfter());
        }
        if (candidate.getAutoPromoteAfter() > 0
                && candidate.getAutoPromoteAfter() < candidate.getMinEvents()) {
            problems.add(model + ": auto-promote-after (" + candidate.getAutoPromoteAfter()
                    + ") must be at least min events (" + candidate.getMinEvents() + ")");
        }
        return problems;
    }

    /** {@code 'fraud' v3 + canary v4 (20%)}, for messages. */
    public static String label(ModelControl control) {
        ModelCandidate c = control.getCandidate();
        if (c == null) {
            return ModelControls.label(control);
        }
        String share = c.getMode() == RolloutMode.CANARY ? " (" + percent(c.getPercent()) + ")" : "";
        return ModelControls.label(control) + " + " + c.getMode().name().toLowerCase()
                + " v" + c.getVersion() + share;
    }

    private static String percent(double p) {
        return p == Math.rint(p) ? (long) p + "%" : p + "%";
    }
}
