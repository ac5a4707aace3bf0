package io.inferflow.operators.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;

import java.time.Instant;

class ControlStateTest {

    @Test
    void higherGenerationSupersedes() {
        assertTrue(ControlState.supersedes(deploy("fraud", 1, 1), deploy("fraud", 2, 2)));
        assertTrue(ControlState.supersedes(null, deploy("fraud", 1, 0)));
        assertTrue(
                ControlState.supersedes(deploy("fraud", 2, 2), deploy("fraud", 1, 3)),
                "a rollback with a higher generation wins though its version is lower");
    }

    @Test
    void equalOrLowerGenerationDoesNotSupersede() {
        assertFalse(ControlState.supersedes(deploy("fraud", 2, 2), deploy("fraud", 2, 2)));
        assertFalse(ControlState.supersedes(deploy("fraud", 2, 2), deploy("fraud", 3, 1)));
        assertFalse(ControlState.supersedes(deploy("fraud", 2, 2), null));
    }

    @Test
    void rejectsRecordsOfDifferentModels() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ControlState.supersedes(
                                        deploy("fraud", 1, 1), deploy("churn", 1, 2)));
        assertEquals(
                "control records of different models compared: 'fraud' and 'churn'",
                e.getMessage());
    }

    @Test
    void stateValuesRoundTripThroughAvroSerializer() throws Exception {
        TypeSerializer<ModelControl> serializer =
                new AvroTypeInfo<>(ModelControl.class).createSerializer(new SerializerConfigImpl());
        ModelControl control = deploy("fraud", 3, 7);
        control.setProfile("{\"mean\": [0.5]}");

        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(control, out);
        ModelControl back =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertEquals(control, back);
        assertEquals("model-control", ControlState.DESIRED.getName());
    }

    static ModelControl deploy(String name, long version, long generation) {
        ModelDescriptor d =
                ModelDescriptor.builder()
                        .name(name)
                        .version(version)
                        .uri("file:///models/" + name + "-" + version + ".onnx")
                        .sha256(String.format("%064x", version))
                        .build();
        return ModelControls.control(
                d, ModelAction.DEPLOY, generation, Instant.ofEpochMilli(5), "test");
    }
}
