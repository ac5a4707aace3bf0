package io.inferflow.jobs.control;

import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutMode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelControlClientTest {

    @Test
    void aRolloutIsAnsweredByItsCandidatesStatusesAnyOtherRecordByTheStableOnes() {
        ModelControl v3 = ControlRecords.deploy("fraud", 3, 1, "file:///m/v3.onnx", "0".repeat(64),
                "features", 4, ModelPrecision.FP32, null, "test");
        ModelControl canary = Rollouts.withCandidate(v3, ModelCandidate.newBuilder()
                        .setVersion(4).setUri("file:///m/v4.onnx").setMode(RolloutMode.SHADOW)
                        .build(),
                2, Instant.EPOCH, "test");

        Predicate<ModelStatus> rollout = ModelControlClient.answers(canary);
        assertTrue(rollout.test(status(4, RolloutMode.SHADOW)));
        assertFalse(rollout.test(status(3, null)), "the stable version renewed");
        assertFalse(rollout.test(status(2, RolloutMode.SHADOW)), "another candidate");

        Predicate<ModelStatus> abort =
                ModelControlClient.answers(Rollouts.abort(canary, 3, Instant.EPOCH, "t", "n"));
        assertTrue(abort.test(status(3, null)));
        assertFalse(abort.test(status(4, RolloutMode.SHADOW)), "the candidate retired");
        assertTrue(ModelControlClient.answers(
                        ControlRecords.reissue(canary, ModelAction.RETIRE, 3, "t"))
                .test(status(3, null)));
    }

    private static ModelStatus status(long version, RolloutMode role) {
        return ModelStatus.newBuilder()
                .setModel("fraud").setVersion(version).setGeneration(2).setSubtask(0)
                .setParallelism(1).setState(ModelState.ACTIVE).setAt(Instant.EPOCH).setRole(role)
                .build();
    }
}
