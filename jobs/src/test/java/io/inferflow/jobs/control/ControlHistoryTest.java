package io.inferflow.jobs.control;

import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
