package io.inferflow.schemas.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.avro.ClassProbability;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import io.inferflow.schemas.avro.NamedOutput;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.generic.GenericDatumWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * The schemas of the wire contract evolve BACKWARD-compatibly: each new schema registers over the
 * one it replaces (committed under {@code src/test/resources/compat/}, copied from the schema as
 * it was before the change) through the registry's compatibility endpoint over real HTTP; data
 * written with the old schema is read with the new one, and a prediction written with the new
 * schema is still read by a consumer holding the old one.
 */
class SchemaEvolutionTest {

    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void start() throws IOException {
        registry = LocalSchemaRegistry.start("127.0.0.1", 0);
        client = new SchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void predictionWithNamedOutputsRegistersOverTheOldOneAndBothReadEachOther() throws Exception {
        Schema old = registerOver("predictions-value", "Prediction-1.avsc",
                Prediction.getClassSchema());

        // Old data, new reader: the new fields take their defaults.
        Prediction read = readAsNew(old, record(old, "event_id", "e1", "entity_id", "u1",
                "model", "rf", "model_version", 3L, "scores", List.of(0.25f),
                "event_time", 1_000L, "scored_at", 2_000L), Prediction.getClassSchema());
        assertEquals(List.of(0.25f), read.getScores());
        assertEquals(List.of(), read.getOutputs());
        assertEquals(null, read.getLabel());
        assertEquals(List.of(), read.getProbabilities());

        // New data, old reader: a consumer that never upgraded still reads its fields.
        Prediction prediction = Prediction.newBuilder()
                .setEventId("e2").setEntityId("u2").setModel("rf").setModelVersion(4)
                .setScores(List.of(1f, 0.2f, 0.8f))
                .setEventTime(Instant.ofEpochMilli(1_000)).setScoredAt(Instant.ofEpochMilli(2_000))
                .setOutputs(List.of(
                        new NamedOutput("output_label", List.of(1f), List.of()),
                        new NamedOutput("output_probability", List.of(0.2f, 0.8f), List.of())))
                .setLabel("1")
                .setProbabilities(List.of(new ClassProbability("0", 0.2f),
                        new ClassProbability("1", 0.8f)))
                .build();
        GenericRecord legacy = readAsOld(prediction, old);
        assertEquals("e2", legacy.get("event_id").toString());
        assertEquals(List.of(1f, 0.2f, 0.8f), legacy.get("scores"));
        assertFalse(legacy.hasField("label"));
    }

    @Test
    void featureEventWithNamedInputsRegistersOverTheOldOneAndBothReadEachOther()
            throws Exception {
        Schema old = registerOver("features-value", "FeatureEvent-1.avsc",
                FeatureEvent.getClassSchema());

        // An event a producer wrote with today's schema is read with the new one.
        FeatureEvent read = readAsNew(old, record(old, "event_id", "e1", "entity_id", "u1",
                "model", "fraud", "event_time", 1_000L, "features", List.of(0.5f, 1.5f)),
                FeatureEvent.getClassSchema());
        assertEquals(List.of(0.5f, 1.5f), read.getFeatures());
        assertEquals(List.of(), read.getInputs());

        // An event with named inputs only: features defaults to empty.
        FeatureEvent named = FeatureEvent.newBuilder()
                .setEventId("e2").setEntityId("u2").setModel("pipeline")
                .setEventTime(Instant.ofEpochMilli(1_000))
                .setInputs(List.of(
                        NamedInput.newBuilder().setName("num").setFloats(List.of(0.1f, 0.2f))
                                .build(),
                        NamedInput.newBuilder().setName("cat").setStrings(List.of("red"))
                                .build()))
                .build();
        assertEquals(List.of(), named.getFeatures());
        assertEquals(List.of(), named.getInputs().get(1).getLongs());
        GenericRecord legacy = readAsOld(named, old);
        assertEquals("e2", legacy.get("event_id").toString());
        assertEquals(List.of(), legacy.get("features"));
    }

    @Test
    void theRegistryRefusesAnIncompatibleChangeSoTheCheckAboveCanFail() throws Exception {
        Schema old = resource("Prediction-1.avsc");
        client.register("predictions-value", old);
        Schema broken = SchemaBuilder.record("Prediction").namespace("io.inferflow.schemas.avro")
                .fields().requiredString("event_id").requiredString("tenant").endRecord();
        assertFalse(client.isCompatible("predictions-value", broken),
                "a new field without a default cannot read old data");
    }

    /** Registers the committed old schema, then {@code current} once the registry agrees. */
    private Schema registerOver(String subject, String oldResource, Schema current)
            throws IOException {
        Schema old = resource(oldResource);
        client.register(subject, old);
        assertTrue(client.isCompatible(subject, current));
        client.register(subject, current);
        return old;
    }

    private static GenericRecord record(Schema schema, Object... fieldsAndValues) {
        GenericRecord record = new GenericData.Record(schema);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            record.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return record;
    }

    /** Data written with the old schema, read into today's class. */
    private static <T> T readAsNew(Schema old, GenericRecord written, Schema current)
            throws IOException {
        return new SpecificDatumReader<T>(old, current)
                .read(null, DecoderFactory.get().binaryDecoder(bytes(old, written), null));
    }

    /** A record of today's class, read by a consumer that holds the old schema. */
    private static GenericRecord readAsOld(SpecificRecord record, Schema old) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(record.getSchema(), old)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    private static Schema resource(String name) throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/compat/" + name)) {
            return new Schema.Parser().parse(in);
        }
    }

    private static byte[] bytes(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
