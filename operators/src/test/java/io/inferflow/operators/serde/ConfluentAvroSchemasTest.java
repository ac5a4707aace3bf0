package io.inferflow.operators.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentAvroSchemasTest {

    static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);

    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = LocalSchemaRegistry.start("localhost", 0);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    static FeatureEvent event(int i) {
        return FeatureEvent.newBuilder().setEventId("e" + i).setEntityId("u" + i)
                .setModel("fraud").setEventTime(T0.plusMillis(i))
                .setFeatures(List.of(0.5f, -1f, (float) i)).build();
    }

    @Test
    void roundTripsFeatureEvents() throws Exception {
        assertEquals(event(7), roundTrip(FeatureEvent.class, "features", event(7)));
    }

    @Test
    void roundTripsPredictions() throws Exception {
        Prediction prediction = Prediction.newBuilder().setEventId("e1").setEntityId("u1")
                .setModel("fraud").setModelVersion(3).setScores(List.of(0.25f, 0.75f))
                .setEventTime(T0).setScoredAt(T0.plusSeconds(1)).build();
        assertEquals(prediction, roundTrip(Prediction.class, "predictions", prediction));
    }

    @Test
    void roundTripsDeadLetters() throws Exception {
        DeadLetter letter = DeadLetter.newBuilder().setTopic("features").setPartition(2)
                .setOffset(41).setKey(ByteBuffer.wrap(new byte[] {1}))
                .setValue(ByteBuffer.wrap(new byte[] {0x7b})).setErrorType("BAD_MAGIC_BYTE")
                .setErrorMessage("magic byte is 0x7b, expected 0x00").setFailedAt(T0).build();
        assertEquals(letter, roundTrip(DeadLetter.class, "dead-letters", letter));
    }

    @Test
    void framesWithTheIdRegisteredUnderTheTopicsValueSubject() throws Exception {
        byte[] value = ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(), "f1")
                .serialize(event(1));
        var latest = new SchemaRegistryClient(registry.url()).latest("f1-value");
        assertEquals(latest.id(), ConfluentWireFormat.schemaId(value));
        assertEquals(FeatureEvent.getClassSchema(), latest.schema());
    }

    @Test
    void callsTheRegistryOncePerSchemaNotPerRecord() throws Exception {
        SerializationSchema<FeatureEvent> serializer =
                ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(), "features");
        DeserializationSchema<FeatureEvent> deserializer =
                ConfluentAvroSchemas.deserializer(FeatureEvent.class, registry.url());
        long before = registry.requestCount();
        for (int i = 0; i < 200; i++) {
            assertEquals(event(i), deserializer.deserialize(serializer.serialize(event(i))));
        }
        // One registration by the writer, one schema fetch by the reader.
        assertEquals(2, registry.requestCount() - before);
    }

    @Test
    void rejectsAnEmptyTopic() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(), " "));
    }

    /** Through Java serialization too, as Flink ships the schemas to the task managers. */
    private <T extends SpecificRecord> T roundTrip(Class<T> type, String topic, T record)
            throws Exception {
        SerializationSchema<T> serializer = InstantiationUtil.clone(
                ConfluentAvroSchemas.serializer(type, registry.url(), topic));
        DeserializationSchema<T> deserializer = InstantiationUtil.clone(
                ConfluentAvroSchemas.deserializer(type, registry.url()));
        byte[] value = serializer.serialize(record);
        assertArrayEquals(value, serializer.serialize(record));
        return deserializer.deserialize(value);
    }
}
