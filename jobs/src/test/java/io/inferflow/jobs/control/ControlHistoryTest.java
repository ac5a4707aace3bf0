package io.inferflow.jobs.control;

import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.RolloutMode;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlHistoryTest {

    @Test
    void desiredStateIsTheHighestGenerationWhateverTheOrder() {
        ControlHistory history = new ControlHistory();
        history.add(record("fraud", 3, ModelAction.ROLLBACK, 3));
        history.add(record("fraud", 1, ModelAction.DEPLOY, 1));
        history.add(record("fraud", 3, ModelAction.DEPLOY, 2));
        history.add(record("churn", 7, ModelAction.DEPLOY, 1));

        assertEquals(ModelAction.ROLLBACK, history.desired("fraud").orElseThrow().getAction());
        assertEquals(4, history.nextGeneration("fraud"));
        assertEquals(1, history.nextGeneration("new-model"));
        assertEquals(3, history.highestVersion("fraud"));
        assertEquals(2, history.deployOf("fraud", 3).orElseThrow().getGeneration());
        assertTrue(history.deployOf("fraud", 2).isEmpty());
        assertEquals(java.util.List.of("churn", "fraud"), history.models());
    }

    @Test
    void versionRecordsOutliveTheDesiredRecordsCompactionRemoved() {
        // After compaction: v1's and v2's VERSION records, and only the latest desired record
        // (a rollout of v3 beside v2) under the model's key.
        ControlHistory history = new ControlHistory();
        ModelControl v1 = record("fraud", 1, ModelAction.DEPLOY, 1);
        v1.setSha256("1".repeat(64));
        ModelControl v2 = record("fraud", 2, ModelAction.DEPLOY, 2);
        v2.setSha256("2".repeat(64));
        history.add(ControlRecords.version(v1));
        history.add(ControlRecords.version(v2));
        ModelControl rollout = ModelControl.newBuilder(v2).setGeneration(5)
                .setCandidate(ModelCandidate.newBuilder().setVersion(3).setUri("file:///m/3")
                        .setSha256("3".repeat(64)).setMode(RolloutMode.CANARY).setPercent(10)
                        .build())
                .build();
        history.add(rollout);
        // A second VERSION record of v1 with other bytes is not its identity.
        ModelControl forged = ControlRecords.version(v1);
        forged.setSha256("f".repeat(64));
        history.add(forged);

        assertEquals(ModelAction.VERSION, history.deployOf("fraud", 1).orElseThrow().getAction());
        assertEquals("1".repeat(64), history.deployOf("fraud", 1).orElseThrow().getSha256());
        assertEquals(java.util.List.of(1L, 2L, 3L),
                java.util.List.copyOf(history.versions("fraud").keySet()));
        assertEquals("3".repeat(64), history.versions("fraud").get(3L).getSha256());
        assertEquals(3, history.highestVersion("fraud"));
        assertEquals(5, history.desired("fraud").orElseThrow().getGeneration());
        assertEquals(6, history.nextGeneration("fraud"));
        assertEquals("fraud@v2", ControlRecords.topicKey(ControlRecords.version(v2)));
        assertEquals("fraud", ControlRecords.topicKey(rollout));
    }

    @Test
    void inputChangeComparesWithWhatTheDesiredRecordDeclares() {
        ControlHistory history = new ControlHistory();
        assertTrue(history.inputChange("fraud", 1, "features", 8).isEmpty(), "no record yet");

        ModelControl v3 = record("fraud", 3, ModelAction.DEPLOY, 1);
        v3.setInputName("features");
        v3.setInputWidth(16);
        history.add(v3);
        assertTrue(history.inputChange("fraud", 7, "features", 16).isEmpty());
        assertEquals(
                "model 'fraud' v7 takes 8 features, v3 serving now takes 16",
                history.inputChange("fraud", 7, "features", 8).orElseThrow());
        assertEquals(
                "model 'fraud' v7's input is named 'x', v3 serving now reads 'features'",
                history.inputChange("fraud", 7, "x", 16).orElseThrow());
        assertTrue(history.inputChange("churn", 1, "x", 3).isEmpty(), "another model");

        // A ROLLBACK's declared input is the contract too; a RETIRE ends it.
        ModelControl rollback = ControlRecords.reissue(v3, ModelAction.ROLLBACK, 2, "test");
        rollback.setInputWidth(12);
        history.add(rollback);
        assertEquals(
                "model 'fraud' v7 takes 16 features, v3 serving now takes 12",
                history.inputChange("fraud", 7, "features", 16).orElseThrow());
        history.add(ControlRecords.reissue(v3, ModelAction.RETIRE, 3, "test"));
        assertTrue(history.inputChange("fraud", 7, "x", 8).isEmpty());
    }

    @Test
    void aReissuedRecordDoesNotInheritTheAllowedSignatureChange() {
        ModelControl deploy = record("fraud", 2, ModelAction.DEPLOY, 1);
        deploy.setAllowSignatureChange(true);
        ModelControl rollback = ControlRecords.reissue(deploy, ModelAction.ROLLBACK, 5, "test");
        assertEquals(false, rollback.getAllowSignatureChange());
        assertEquals(deploy.getSha256(), rollback.getSha256());
        assertEquals(5, rollback.getGeneration());
    }

    @Test
    void aCandidateVersionCountsAsPushedAndAReissueDropsTheRollout() {
        ModelControl v3 = record("fraud", 3, ModelAction.DEPLOY, 1);
        ModelCandidate v5 = ModelCandidate.newBuilder()
                .setVersion(5)
                .setUri("file:///models/fraud-v5.onnx")
                .setMode(RolloutMode.CANARY)
                .setPercent(20)
                .build();
        ModelControl canary = Rollouts.withCandidate(v3, v5, 2, Instant.EPOCH, "test");
        ControlHistory history = new ControlHistory();
        history.add(v3);
        history.add(canary);
        assertEquals(5, history.highestVersion("fraud"), "an aborted candidate's version too");

        // The rollout's record is the latest DEPLOY of v3: a rollback to v3 serves v3 alone.
        ModelControl deploy = history.deployOf("fraud", 3).orElseThrow();
        assertEquals(2, deploy.getGeneration());
        ModelControl rollback = ControlRecords.reissue(deploy, ModelAction.ROLLBACK, 3, "test");
        assertNull(rollback.getCandidate());

        ModelControl promoted = Rollouts.promote(canary, 4, Instant.EPOCH, "test", "promoted");
        history.add(promoted);
        ModelControl retire = ControlRecords.reissue(promoted, ModelAction.RETIRE, 5, "test");
        assertNull(retire.getNote());
        assertEquals(4, history.deployOf("fraud", 5).orElseThrow().getGeneration());
    }

    private static ModelControl record(String name, long version, ModelAction action, long gen) {
        return ModelControl.newBuilder()
                .setName(name)
                .setVersion(version)
                .setAction(action)
                .setGeneration(gen)
                .setUri("file:///models/" + name + ".onnx")
                .setSha256("0".repeat(64))
                .setInputWidth(4)
                .setPrecision(ModelPrecision.FP32)
                .setIssuedAt(Instant.ofEpochMilli(gen))
                .setIssuedBy("test")
                .build();
    }
}
