package io.inferflow.operators.control;

import io.inferflow.model.Ed25519;
import io.inferflow.model.TrustedKeys;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;

import java.io.Serializable;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Which control records the job acts on: the rules of the control gate, as a plain function of a
 * record, the model's current desired record and the sha256 of each of its versions seen so far.
 * The {@link ControlGate} operator keeps that state per model; the bootstrap at job start applies
 * the same rules to the topic's history.
 *
 * <p>A record is refused, with one of these reasons, when:
 *
 * <ul>
 *   <li>{@code UNSIGNED_CONTROL}: it has no {@code record_signature} and signatures are required;
 *   <li>{@code UNTRUSTED_CONTROL_KEY} / {@code REVOKED_CONTROL_KEY}: its key is not trusted, or
 *       revoked ({@link TrustedKeys});
 *   <li>{@code BAD_CONTROL_SIGNATURE}: the signature does not verify over the record's canonical
 *       encoding ({@link ControlCanonical}): a field was changed after signing;
 *   <li>{@code STALE_GENERATION}: a desired-state record whose generation is not above the
 *       model's current one and that is not the current record itself (a replay, or a writer
 *       that raced another);
 *   <li>{@code VERSION_REUSED}: it names a version whose sha256 differs from the one that version
 *       was first seen with: a version number means one file forever;
 *   <li>{@code DECISION_KEY_SCOPE}: it is signed by the job's decision key ({@code
 *       model.control.decision-key}) that no other rule trusts, and it is not what a decision
 *       writes: a DEPLOY without candidate, with a note, of a version already known with that
 *       sha256.
 * </ul>
 *
 * A record identical to the current one is {@linkplain Verdict#duplicate() a duplicate}: it
 * changes nothing and is not reported.
 */
public final class ControlGateRules implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What the gate does with one record. */
    public record Verdict(Kind kind, String reason) {

        /** Accepted, dropped as a duplicate, or refused with a reason. */
        public enum Kind {
            ACCEPT,
            DUPLICATE,
            REJECT
        }

        static Verdict accept() {
            return new Verdict(Kind.ACCEPT, null);
        }

        static Verdict reject(String reason) {
            return new Verdict(Kind.REJECT, reason);
        }

        public boolean accepted() {
            return kind == Kind.ACCEPT;
        }

        public boolean duplicate() {
            return kind == Kind.DUPLICATE;
        }
    }

    private final TrustedKeys keys;
    private final boolean requireSignatures;
    private final String decisionKeyId;
    private final String decisionPublicKey;

    /**
     * @param keys the operators' keys
     * @param requireSignatures whether an unsigned record is refused ({@code
     *     model.require-signatures}); a signature that is present is always checked
     * @param decisionKeyId the id of the key the rollout judge signs with, or null
     * @param decisionPublicKey its base64 public key, or null
     */
    public ControlGateRules(
            TrustedKeys keys,
            boolean requireSignatures,
            String decisionKeyId,
            String decisionPublicKey) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.requireSignatures = requireSignatures;
        this.decisionKeyId = decisionKeyId;
        this.decisionPublicKey = decisionPublicKey;
    }

    /**
     * The verdict on {@code record}.
     *
     * @param current the model's desired record accepted last, or null
     * @param versions the sha256 of every version of the model seen so far; read only
     */
    public Verdict check(ModelControl record, ModelControl current, Map<Long, String> versions) {
        String where = where(record);
        boolean scoped = false;
        if (record.getRecordSignature() == null) {
            if (requireSignatures) {
                return Verdict.reject("UNSIGNED_CONTROL: " + where + " carries no record"
                        + " signature, and signatures are required (model.require-signatures)");
            }
        } else {
            String id = record.getRecordKeyId();
            TrustedKeys.State state = keys.state(id);
            PublicKey key = keys.key(id);
            if (state == TrustedKeys.State.REVOKED) {
                return Verdict.reject("REVOKED_CONTROL_KEY: " + where + " is signed with key '"
                        + id + "', which is revoked");
            }
            if (key == null && id != null && id.equals(decisionKeyId)) {
                key = Ed25519.decodePublic(decisionPublicKey);
                scoped = true;
            }
            if (key == null) {
                return Verdict.reject("UNTRUSTED_CONTROL_KEY: " + where + " is signed with "
                        + (id == null ? "no key id" : "key '" + id + "'")
                        + ", expected one of the trusted keys " + keys.ids());
            }
            if (!ControlSignatures.verifies(record, key)) {
                return Verdict.reject("BAD_CONTROL_SIGNATURE: " + where + ": the record"
                        + " signature does not verify with key '" + id + "' over the record's"
                        + " fields; a field was changed after it was signed");
            }
        }
        // After the signature: an altered record is reported as altered, not as stale.
        if (record.getAction() != ModelAction.VERSION && current != null
                && record.getGeneration() <= current.getGeneration()) {
            if (same(record, current)) {
                return new Verdict(Verdict.Kind.DUPLICATE, null);
            }
            return Verdict.reject("STALE_GENERATION: " + where + " is not above generation "
                    + current.getGeneration() + ", the model's current one ("
                    + current.getAction() + " v" + current.getVersion() + " issued at "
                    + current.getIssuedAt() + "): a replayed or stale record changes nothing");
        }
        String reused = reusedVersion(record, versions);
        if (reused != null) {
            return Verdict.reject("VERSION_REUSED: " + where + ": " + reused);
        }
        if (scoped) {
            String outside = outsideDecisionScope(record, versions);
            if (outside != null) {
                return Verdict.reject("DECISION_KEY_SCOPE: " + where + " is signed with the"
                        + " rollout judge's key '" + decisionKeyId + "', which only signs"
                        + " promotions and aborts: " + outside);
            }
        }
        return Verdict.accept();
    }

    /** Adds the versions {@code record} names, with their sha256, to {@code versions}. */
    public static void learn(ModelControl record, Map<Long, String> versions) {
        if (record.getAction() != ModelAction.RETIRE && record.getSha256() != null) {
            versions.putIfAbsent(record.getVersion(), record.getSha256());
        }
        ModelCandidate c = record.getCandidate();
        if (c != null && record.getAction() != ModelAction.RETIRE && c.getSha256() != null) {
            versions.putIfAbsent(c.getVersion(), c.getSha256());
        }
    }

    private static String reusedVersion(ModelControl record, Map<Long, String> versions) {
        if (record.getAction() == ModelAction.RETIRE) {
            return null;
        }
        String own = reused(record.getVersion(), record.getSha256(), versions);
        if (own != null) {
            return own;
        }
        ModelCandidate c = record.getCandidate();
        return c == null ? null : reused(c.getVersion(), c.getSha256(), versions);
    }

    private static String reused(long version, String sha256, Map<Long, String> versions) {
        String known = versions.get(version);
        if (known == null || sha256 == null || known.equals(sha256)) {
            return null;
        }
        return "v" + version + " is sha256 " + known + " and is never another file; this record"
                + " gives " + sha256 + " (push the new file as a new version)";
    }

    private static String outsideDecisionScope(ModelControl r, Map<Long, String> versions) {
        if (r.getAction() != ModelAction.DEPLOY) {
            return "it is a " + r.getAction();
        }
        if (r.getCandidate() != null) {
            return "it starts a rollout";
        }
        if (r.getNote() == null) {
            return "it has no note";
        }
        if (r.getSha256() == null || !r.getSha256().equals(versions.get(r.getVersion()))) {
            return "v" + r.getVersion() + " is not a version this model was pushed with";
        }
        return null;
    }

    private static boolean same(ModelControl a, ModelControl b) {
        return Arrays.equals(ControlCanonical.bytes(a), ControlCanonical.bytes(b))
                && Objects.equals(a.getRecordSignature(), b.getRecordSignature());
    }

    private static String where(ModelControl r) {
        return r.getAction() + " of '" + r.getName() + "' v" + r.getVersion()
                + (r.getAction() == ModelAction.VERSION ? ""
                        : " generation " + r.getGeneration());
    }
}
