package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Mlp;
import io.inferflow.operators.control.ControlSignatures;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What someone who can write to the control topic but holds no trusted key can do to a running
 * job, on real parts: replay an old signed record, alter a field of a signed one (one check per
 * group of signed fields), strip the signature, or use a key that was revoked. The control gate
 * refuses each with a reason on the status topic, and the version that serves never changes.
 * Keys rotate and are revoked through the keys file, without a restart.
 */
class ControlSignaturesITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir Path store;
    @TempDir Path files;

    @Test
    void refusesReplayedAlteredUnsignedAndRevokedRecordsWhileTheServingVersionStays()
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        KeyPair rotated = Ed25519.generate();
        Path keysFile = files.resolve("trusted-keys");
        Files.writeString(keysFile, "# keys trusted besides model.trusted-keys\n");
        Configuration conf = kit.conf();
        conf.set(JobOptions.TRUSTED_KEYS_FILE, keysFile.toString());
        Mlp v1 = Mlp.random(11, ControlTestKit.WIDTH, 16, 1);
        Mlp v2 = Mlp.random(12, ControlTestKit.WIDTH, 16, 1);
        Mlp v3 = Mlp.random(13, ControlTestKit.WIDTH, 16, 1);

        JobClient job = ControlTestKit.startInferenceJob(conf, PARALLELISM, "signatures");
        try (ModelControlClient signed = kit.client();
                ModelControlClient raw = new ModelControlClient(kit.kafka.clients(),
                        RegistrySettings.of(kit.registryUrl), kit.control, kit.status)) {
            ModelControl deployV1 = kit.deploy("fraud", 1, 1, v1);
            assertAllActive(signed.send(deployV1, Duration.ofSeconds(60), s -> {}), 1);
            ModelControl deployV2 = kit.deploy("fraud", 2, 2, v2);
            assertAllActive(signed.send(deployV2, Duration.ofSeconds(60), s -> {}), 2);

            // A replay: v1's signed record, unchanged.
            assertRefused(raw, copy(deployV1, r -> {}), "STALE_GENERATION: DEPLOY of 'fraud' v1"
                    + " generation 1 is not above generation 2");
            // v1's record with only its generation raised (it would serve v1 again).
            assertRefused(raw, copy(deployV1, r -> r.setGeneration(5)), "BAD_CONTROL_SIGNATURE:");
            // Each group of signed fields of v2's record, changed.
            Map<String, Consumer<ModelControl>> alterations = Map.of(
                    "descriptor (uri to v1's file)", r -> r.setUri(deployV1.getUri()),
                    "input contract", r -> r.setInputWidth(8),
                    "rollout settings (v1 as a 50% canary)", r -> r.setCandidate(
                            ModelCandidate.newBuilder().setVersion(1).setUri(deployV1.getUri())
                                    .setSha256(deployV1.getSha256())
                                    .setSignature(deployV1.getSignature())
                                    .setKeyId(deployV1.getKeyId())
                                    .setMode(RolloutMode.CANARY).setPercent(50).build()),
                    "flags", r -> r.setAllowSignatureChange(true),
                    "generation", r -> r.setGeneration(9),
                    "issue time", r -> r.setIssuedAt(Instant.now().plusSeconds(3600)),
                    "key id", r -> r.setRecordKeyId(Ed25519.keyId(rotated.getPublic())));
            Files.writeString(keysFile, entry(rotated));
            Files.setLastModifiedTime(keysFile, FileTime.from(Instant.now().plusSeconds(2)));
            Thread.sleep(1_500); // the gate looks at the file at most once a second
            for (Map.Entry<String, Consumer<ModelControl>> a : alterations.entrySet()) {
                ModelStatus s = assertRefused(raw, copy(deployV2, a.getValue()),
                        "BAD_CONTROL_SIGNATURE: DEPLOY of 'fraud' v");
                assertTrue(s.getReason().contains("a field was changed after it was signed"),
                        a.getKey() + ": " + s.getReason());
            }
            // Unsigned.
            assertRefused(raw, copy(deployV2, r -> {
                r.setGeneration(7);
                r.setRecordSignature(null);
                r.setRecordKeyId(null);
            }), "UNSIGNED_CONTROL: DEPLOY of 'fraud' v2 generation 7 carries no record"
                    + " signature");
            // Unknown key.
            assertRefused(raw, ControlSignatures.sign(copy(deployV2, r -> r.setGeneration(7)),
                    Ed25519.generate()), "UNTRUSTED_CONTROL_KEY: DEPLOY of 'fraud' v2 generation 7"
                    + " is signed with key '");

            // Rotation: a key the keys file trusts signs v3, no restart.
            ModelControl deployV3 = ControlSignatures.sign(kit.deploy("fraud", 3, 3, v3),
                    rotated);
            assertAllActive(raw.send(deployV3, Duration.ofSeconds(60), s -> {}), 3);
            // Revocation of that key, no restart: what it signs from now on is refused.
            Files.writeString(keysFile, entry(rotated) + "revoke "
                    + Ed25519.keyId(rotated.getPublic()) + "\n");
            Files.setLastModifiedTime(keysFile, FileTime.from(Instant.now().plusSeconds(5)));
            Thread.sleep(1_500);
            assertRefused(raw, ControlSignatures.sign(kit.deploy("fraud", 4, 4, v1), rotated),
                    "REVOKED_CONTROL_KEY: DEPLOY of 'fraud' v4 generation 4 is signed with key '"
                            + Ed25519.keyId(rotated.getPublic()) + "', which is revoked");
        }

        // Through all of it v3, the last version a trusted key pushed, serves every event.
        try (TrackedProducer events = new TrackedProducer(STACK.kafka().bootstrapServers(),
                kit.registryUrl, kit.features, "fraud", ControlTestKit.WIDTH)) {
            for (int i = 0; i < 300; i++) {
                events.send("e-" + i);
            }
            events.flush();
            Map<String, GenericRecord> scored = predictionsOnce(
                    STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions, 300);
            assertEquals(300, scored.size());
            for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
                assertEquals(3L, e.getValue().get("model_version"), e.getKey());
                assertEquals(v3.forward(events.sent().get(e.getKey()).row())[0],
                        firstScore(e.getValue()), 1e-5, e.getKey());
            }
        } finally {
            job.cancel().get();
        }
    }

    private static String entry(KeyPair key) {
        return Ed25519.keyId(key.getPublic()) + "=" + Ed25519.encodePublic(key.getPublic()) + "\n";
    }

    private static ModelControl copy(ModelControl record, Consumer<ModelControl> change) {
        ModelControl copy = ModelControl.newBuilder(record).build();
        change.accept(copy);
        return copy;
    }

    /** Writes {@code record} as it is; the control gate's answer is a REJECTED naming why. */
    private static ModelStatus assertRefused(ModelControlClient raw, ModelControl record,
            String reasonStart) throws Exception {
        Map<Integer, ModelStatus> finals = raw.send(record, Duration.ofSeconds(60), s -> {});
        ModelStatus gate = finals.get(-1);
        assertNotNull(gate, "the control gate answers: " + finals);
        assertEquals(1, finals.size(), "no subtask saw it: " + finals);
        assertEquals(ModelState.REJECTED, gate.getState());
        assertTrue(gate.getReason().startsWith(reasonStart), gate.getReason());
        return gate;
    }

    private static void assertAllActive(Map<Integer, ModelStatus> finals, long version) {
        assertEquals(PARALLELISM, finals.size(), finals.toString());
        for (ModelStatus s : finals.values()) {
            assertEquals(ModelState.ACTIVE, s.getState(), s.toString());
            assertEquals(version, s.getVersion(), s.toString());
        }
    }
}
