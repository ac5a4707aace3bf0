package io.inferflow.operators.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.Precision;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import org.junit.jupiter.api.Test;

import java.time.Instant;

class ModelControlsTest {

    private static final ModelDescriptor FRAUD_3 =
            ModelDescriptor.builder()
                    .name("fraud")
                    .version(3)
                    .uri("s3://models/fraud-3.onnx")
                    .sha256("ab".repeat(32))
                    .signature("c2lnbmF0dXJl")
                    .keyId("0123456789abcdef")
                    .inputName("features")
                    .inputWidth(16)
                    .precision(Precision.INT8)
                    .build();

    @Test
    void descriptorSurvivesARoundTripThroughAControlRecord() {
        ModelControl control =
                ModelControls.control(
                        FRAUD_3, ModelAction.ROLLBACK, 9, Instant.ofEpochMilli(42), "alice");

        assertEquals(ModelAction.ROLLBACK, control.getAction());
        assertEquals(9L, control.getGeneration());
        assertEquals(ModelPrecision.INT8, control.getPrecision());
        assertEquals("alice", control.getIssuedBy());
        assertEquals(FRAUD_3, ModelControls.descriptor(control));
    }

    @Test
    void initialModelIsADeployOfGenerationZero() {
        ModelControl control = ModelControls.initial(FRAUD_3);
        assertEquals(ModelAction.DEPLOY, control.getAction());
        assertEquals(0L, control.getGeneration());
        assertEquals(Instant.EPOCH, control.getIssuedAt());
    }

    @Test
    void retireCarriesNoDescriptor() {
        ModelControl retire = ModelControls.retire("fraud", 3, 10, Instant.EPOCH, "bob");
        assertNull(retire.getUri());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> ModelControls.descriptor(retire));
        assertEquals(
                "model 'fraud' generation 10: a RETIRE names no version to load", e.getMessage());
    }

    @Test
    void deployWithoutSha256IsRejectedNamingTheValue() {
        ModelControl control =
                ModelControls.control(FRAUD_3, ModelAction.DEPLOY, 1, Instant.EPOCH, "a");
        control.setSha256("xyz");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> ModelControls.descriptor(control));
        assertEquals(
                "model 'fraud' v3: sha256 must be 64 hex characters, got 'xyz'", e.getMessage());
    }
}
