package io.inferflow.schemas.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.avro.ClassProbability;
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
        Schema old = resource("Prediction-1.avsc");
        client.register("predictions-value", old);
        assertTrue(client.isCompatible("predictions-value", Prediction.getClassSchema()));
        client.register("predictions-value", Prediction.getClassSchema());

        // Old data, new reader: the new fields take their defaults.
        GenericRecord written = new GenericData.Record(old);
        written.put("event_id", "e1");
        written.put("entity_id", "u1");
        written.put("model", "rf");
        written.put("model_version", 3L);
        written.put("scores", List.of(0.25f));
        written.put("event_time", 1_000L);
        written.put("scored_at", 2_000L);
        Prediction read = new SpecificDatumReader<Prediction>(old, Prediction.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes(old, written), null));
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(Prediction.class).write(prediction, encoder);
        encoder.flush();
        GenericRecord legacy = new GenericDatumReader<GenericRecord>(
                Prediction.getClassSchema(), old)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals("e2", legacy.get("event_id").toString());
        assertEquals(List.of(1f, 0.2f, 0.8f), legacy.get("scores"));
        assertFalse(legacy.hasField("label"));
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
