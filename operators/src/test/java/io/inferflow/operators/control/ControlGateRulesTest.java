package io.inferflow.operators.control;

import io.inferflow.model.Ed25519;
import io.inferflow.model.TrustedKeys;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.RolloutMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.security.KeyPair;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlGateRulesTest {

    private static final String SHA_1 = "1".repeat(64);
    private static final String SHA_2 = "2".repeat(64);
    private static final String SHA_3 = "3".repeat(64);

    private final KeyPair ops = Ed25519.generate();
    private final KeyPair other = Ed25519.generate();
    private final KeyPair judge = Ed25519.generate();

    private ControlGateRules rules(Set<String> revoked) {
        return new ControlGateRules(
                new TrustedKeys(Map.of(id(ops), Ed25519.encodePublic(ops.getPublic()),
                        id(other), Ed25519.encodePublic(other.getPublic())), revoked, null),
                true, id(judge), Ed25519.encodePublic(judge.getPublic()));
    }

    private static String id(KeyPair key) {
        return Ed25519.keyId(key.getPublic());
    }

    static ModelControl deploy(long version, long generation, String sha256) {
        return ModelControl.newBuilder()
                .setName("fraud")
                .setVersion(version)
                .setAction(ModelAction.DEPLOY)
                .setGeneration(generation)
                .setUri("file:///models/fraud-" + version + ".onnx")
                .setSha256(sha256)
                .setInputName("features")
                .setInputWidth(16)
                .setPrecision(ModelPrecision.FP32)
                .setIssuedAt(Instant.ofEpochMilli(1_700_000_000_000L + generation))
                .setIssuedBy("alice")
                .build();
    }

    static ModelControl canary(long generation) {
        ModelControl stable = deploy(1, generation, SHA_1);
        stable.setCandidate(ModelCandidate.newBuilder()
                .setVersion(2)
                .setUri("file:///models/fraud-2.onnx")
                .setSha256(SHA_2)
                .setMode(RolloutMode.CANARY)
                .setPercent(20)
                .setMaxFailureRate(0.05)
                .setMinEvents(100)
                .setAutoPromoteAfter(1000)
                .build());
        return stable;
    }

    private ModelControl signed(ModelControl record) {
        return ControlSignatures.sign(record, ops);
    }

    @Test
    void acceptsASignedRecordAndItsDuplicate() {
        ModelControl v1 = signed(deploy(1, 1, SHA_1));
        assertTrue(rules(Set.of()).check(v1, null, Map.of()).accepted());
        ModelControl copy = ModelControl.newBuilder(v1).build();
        assertTrue(rules(Set.of()).check(copy, v1, Map.of(1L, SHA_1)).duplicate());
    }

    @Test
    void refusesAnUnsignedRecordWhenSignaturesAreRequired() {
        ControlGateRules.Verdict v = rules(Set.of()).check(deploy(1, 1, SHA_1), null, Map.of());
        assertFalse(v.accepted());
        assertTrue(v.reason().startsWith("UNSIGNED_CONTROL: DEPLOY of 'fraud' v1 generation 1"),
                v.reason());
        ControlGateRules open = new ControlGateRules(
                TrustedKeys.of(Map.of()), false, null, null);
        assertTrue(open.check(deploy(1, 1, SHA_1), null, Map.of()).accepted());
    }

    /** Each group of signed fields, changed after signing. */
    static Stream<Consumer<ModelControl>> alterations() {
        return Stream.of(
                r -> r.setUri("file:///models/evil.onnx"),                // descriptor
                r -> r.setSha256(SHA_3),
                r -> r.setVersion(7),
                r -> r.setInputWidth(32),                                 // input contract
                r -> r.setInputName("x"),
                r -> r.setPrecision(ModelPrecision.INT8),
                r -> r.setProfile("{}"),
                r -> r.getCandidate().setPercent(50),                     // rollout settings
                r -> r.getCandidate().setMaxFailureRate(0.9),             // guardrails
                r -> r.getCandidate().setAutoPromoteAfter(1),
                r -> r.getCandidate().setMode(RolloutMode.SHADOW),
                r -> r.getCandidate().setSha256(SHA_3),
                r -> r.setCandidate(null),
                r -> r.setAllowSignatureChange(true),                     // flags
                r -> r.getCandidate().setAllowSignatureChange(true),
                r -> r.setGeneration(r.getGeneration() + 10),             // generation
                r -> r.setIssuedAt(Instant.now()),                        // issue time
                r -> r.setIssuedBy("mallory"),
                r -> r.setNote("promoted by mallory"),
                r -> r.setAction(ModelAction.ROLLBACK));
    }

    @ParameterizedTest
    @MethodSource("alterations")
    void refusesEveryAlteredField(Consumer<ModelControl> alter) {
        ModelControl record = signed(canary(3));
        assertTrue(rules(Set.of()).check(record, null, Map.of()).accepted());
        alter.accept(record);
        ControlGateRules.Verdict v = rules(Set.of()).check(record, null, Map.of());
        assertFalse(v.accepted());
        assertTrue(v.reason().startsWith("BAD_CONTROL_SIGNATURE:"), v.reason());
    }

    @Test
    void refusesAnotherKeyIdPutOnTheRecord() {
        ModelControl record = signed(deploy(1, 1, SHA_1));
        record.setRecordKeyId(id(other));
        assertTrue(rules(Set.of()).check(record, null, Map.of()).reason()
                .startsWith("BAD_CONTROL_SIGNATURE:"));
        ModelControl unknown = ControlSignatures.sign(deploy(1, 1, SHA_1), Ed25519.generate());
        assertTrue(rules(Set.of()).check(unknown, null, Map.of()).reason()
                .startsWith("UNTRUSTED_CONTROL_KEY:"));
    }

    @Test
    void refusesARevokedKey() {
        ModelControl record = ControlSignatures.sign(deploy(1, 1, SHA_1), other);
        ControlGateRules.Verdict v = rules(Set.of(id(other))).check(record, null, Map.of());
        assertTrue(v.reason().startsWith("REVOKED_CONTROL_KEY:"), v.reason());
        assertTrue(rules(Set.of(id(other)))
                .check(signed(deploy(1, 1, SHA_1)), null, Map.of()).accepted());
    }

    @Test
    void refusesAReplayedOrStaleGeneration() {
        ModelControl v1 = signed(deploy(1, 1, SHA_1));
        ModelControl v2 = signed(deploy(2, 2, SHA_2));
        ControlGateRules.Verdict v = rules(Set.of()).check(v1, v2, Map.of(1L, SHA_1, 2L, SHA_2));
        assertTrue(v.reason().startsWith("STALE_GENERATION: DEPLOY of 'fraud' v1 generation 1"
                + " is not above generation 2"), v.reason());
        ModelControl racing = signed(deploy(3, 2, SHA_3));
        assertTrue(rules(Set.of()).check(racing, v2, Map.of()).reason()
                .startsWith("STALE_GENERATION:"));
    }

    @Test
    void aVersionNumberNamesOneFileForever() {
        Map<Long, String> versions = new HashMap<>();
        ControlGateRules.learn(signed(deploy(2, 2, SHA_2)), versions);
        ModelControl reuse = signed(deploy(2, 5, SHA_1));
        ControlGateRules.Verdict v = rules(Set.of()).check(reuse, null, versions);
        assertTrue(v.reason().startsWith("VERSION_REUSED: DEPLOY of 'fraud' v2 generation 5: v2"
                + " is sha256 " + SHA_2), v.reason());
        ModelControl asCandidate = signed(canary(6));
        versions.put(2L, SHA_3);
        assertTrue(rules(Set.of()).check(asCandidate, null, versions).reason()
                .startsWith("VERSION_REUSED:"));
        ModelControl sameFile = signed(deploy(2, 7, SHA_3));
        assertTrue(rules(Set.of()).check(sameFile, null, versions).accepted());
    }

    @Test
    void theJudgesKeySignsOnlyDecisions() {
        ModelControl rollout = signed(canary(3));
        Map<Long, String> versions = new HashMap<>();
        ControlGateRules.learn(rollout, versions);
        ModelControl promote = ControlSignatures.sign(
                Rollouts.promote(rollout, 4, Instant.now(), "judge", "promoted automatically"),
                judge);
        assertTrue(rules(Set.of()).check(promote, rollout, versions).accepted());
        ModelControl abort = ControlSignatures.sign(
                Rollouts.abort(rollout, 4, Instant.now(), "judge", "aborted automatically"),
                judge);
        assertTrue(rules(Set.of()).check(abort, rollout, versions).accepted());

        ModelControl newVersion = deploy(9, 4, SHA_3);
        newVersion.setNote("x");
        ControlGateRules.Verdict v = rules(Set.of())
                .check(ControlSignatures.sign(newVersion, judge), rollout, versions);
        assertTrue(v.reason().startsWith("DECISION_KEY_SCOPE:"), v.reason());
        ModelControl rolloutByJudge = canary(4);
        assertTrue(rules(Set.of()).check(ControlSignatures.sign(rolloutByJudge, judge), rollout,
                versions).reason().startsWith("DECISION_KEY_SCOPE:"));
        assertTrue(rules(Set.of(id(judge))).check(promote, rollout, versions).reason()
                .startsWith("REVOKED_CONTROL_KEY:"));
    }

    @Test
    void aVersionRecordTeachesItsSha() {
        ModelControl identity = ModelControl.newBuilder(deploy(4, 9, SHA_1))
                .setAction(ModelAction.VERSION).build();
        ControlGateRules.Verdict v = rules(Set.of())
                .check(signed(identity), signed(deploy(1, 20, SHA_2)), Map.of());
        assertTrue(v.accepted(), "a VERSION record has no generation order: " + v.reason());
        Map<Long, String> versions = new HashMap<>();
        ControlGateRules.learn(identity, versions);
        assertEquals(Map.of(4L, SHA_1), versions);
    }
}
