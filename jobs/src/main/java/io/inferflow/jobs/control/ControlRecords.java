package io.inferflow.jobs.control;

import io.inferflow.model.Ed25519;
import io.inferflow.model.ModelDescriptor;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;

import java.security.KeyPair;
import java.time.Instant;

/** Builds control records the way {@code pipeline model push} writes them. */
public final class ControlRecords {

    private ControlRecords() {}

    /**
     * A DEPLOY of {@code name} v{@code version} at {@code uri}, signed with {@code key} when it is
     * not null. It keeps the model's input contract ({@code allow_signature_change} false); set
     * {@code setAllowSignatureChange(true)} on the record to change it on purpose.
     */
    public static ModelControl deploy(
            String name,
            long version,
            long generation,
            String uri,
            String sha256,
            String inputName,
            int inputWidth,
            ModelPrecision precision,
            KeyPair key,
            String issuedBy) {
        ModelControl.Builder record =
                ModelControl.newBuilder()
                        .setName(name)
                        .setVersion(version)
                        .setAction(ModelAction.DEPLOY)
                        .setGeneration(generation)
                        .setUri(uri)
                        .setSha256(sha256)
                        .setInputName(inputName)
                        .setInputWidth(inputWidth)
                        .setPrecision(precision)
                        .setIssuedAt(Instant.now())
                        .setIssuedBy(issuedBy);
        if (key != null) {
            record.setSignature(Ed25519.sign(key.getPrivate(), signedPayload(name, version, sha256)));
            record.setKeyId(Ed25519.keyId(key.getPublic()));
        }
        return record.build();
    }

    /**
     * The same descriptor under a new generation and action (ROLLBACK, RETIRE). {@code
     * allow_signature_change} is not part of the descriptor: the new record does not allow a
     * signature change unless the caller sets it ({@code setAllowSignatureChange(true)}). Nor are
     * a rollout's {@code candidate} and a decision's {@code note}: the new record has neither.
     */
    public static ModelControl reissue(
            ModelControl base, ModelAction action, long generation, String issuedBy) {
        return descriptorOnly(base, action)
                .setGeneration(generation)
                .setIssuedAt(Instant.now())
                .setIssuedBy(issuedBy)
                .build();
    }

    /**
     * {@code base}'s descriptor under {@code action}: no signature change allowed, no candidate,
     * no note, no record signature.
     */
    private static ModelControl.Builder descriptorOnly(ModelControl base, ModelAction action) {
        return ModelControl.newBuilder(base)
                .setAction(action)
                .setAllowSignatureChange(false)
                .setCandidate(null)
                .setNote(null)
                .setRecordKeyId(null)
                .setRecordSignature(null);
    }

    /**
     * A candidate with the descriptor of {@code deploy} (a DEPLOY as {@link #deploy} builds it,
     * with its profile and {@code allow_signature_change}): what {@code pipeline model push
     * --canary/--shadow} rolls out, once the caller set the mode, share and guardrails. The
     * inverse of {@code Rollouts.candidateControl}.
     */
    public static ModelCandidate.Builder candidate(ModelControl deploy) {
        return ModelCandidate.newBuilder()
                .setVersion(deploy.getVersion())
                .setUri(deploy.getUri())
                .setSha256(deploy.getSha256())
                .setSignature(deploy.getSignature())
                .setKeyId(deploy.getKeyId())
                .setInputName(deploy.getInputName())
                .setInputWidth(deploy.getInputWidth())
                .setPrecision(deploy.getPrecision())
                .setProfile(deploy.getProfile())
                .setProfileUri(deploy.getProfileUri())
                .setAllowSignatureChange(deploy.getAllowSignatureChange());
    }

    /**
     * The VERSION record of {@code record}'s own version: its descriptor (uri, sha256, file
     * signature, input contract, precision, profile) with action VERSION, the same generation,
     * issuer and time, no candidate, no note, and no record signature yet.
     */
    public static ModelControl version(ModelControl record) {
        if (record.getAction() == ModelAction.RETIRE) {
            throw new IllegalArgumentException(
                    "a RETIRE of '" + record.getName() + "' names no version to record");
        }
        return descriptorOnly(record, ModelAction.VERSION).build();
    }

    /**
     * The Kafka key of {@code record} on the compacted control topic: the model name for its
     * desired state, {@code name@vVERSION} for a VERSION record, so that compaction keeps one
     * desired record per model and every version's identity.
     */
    public static String topicKey(ModelControl record) {
        return record.getAction() == ModelAction.VERSION
                ? record.getName() + "@v" + record.getVersion()
                : record.getName();
    }

    /** What a signature covers: name, version and sha256 (see {@link ModelDescriptor}). */
    public static byte[] signedPayload(String name, long version, String sha256) {
        return ModelDescriptor.builder()
                .name(name)
                .version(version)
                .uri("file:///unused")
                .sha256(sha256)
                .build()
                .signedPayload();
    }
}
