package io.inferflow.operators.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.schemas.wire.ErrorTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentFeatureEventDecoderTest {

    /** FeatureEvent as a newer producer writes it: one more field, with a default. */
    private static final Schema WITH_EXTRA_FIELD = new Schema.Parser().parse(
            FeatureEvent.getClassSchema().toString().replace("\"fields\":[",
                    "\"fields\":[{\"name\":\"source\",\"type\":\"string\",\"default\":\"\"},"));

    /** FeatureEvent.avsc as it was before named inputs (what the kafkajs body was written with). */
    private static final Schema BEFORE_NAMED_INPUTS = new Schema.Parser().parse("{\"type\":"
            + "\"record\",\"name\":\"FeatureEvent\",\"namespace\":\"io.inferflow.schemas.avro\","
            + "\"fields\":[{\"name\":\"event_id\",\"type\":\"string\"},{\"name\":\"entity_id\","
            + "\"type\":\"string\"},{\"name\":\"model\",\"type\":\"string\"},{\"name\":"
            + "\"event_time\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"features\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}");

    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;
    private ConfluentFeatureEventDecoder decoder;

    @BeforeEach
    void start() throws Exception {
        registry = LocalSchemaRegistry.start("localhost", 0);
        client = new SchemaRegistryClient(registry.url());
        decoder = InstantiationUtil.clone(new ConfluentFeatureEventDecoder(registry.url()));
        decoder.open();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void decodesWhatTheSerializerWrites() throws Exception {
        byte[] value = ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(),
                "features").serialize(ConfluentAvroSchemasTest.event(3));
        assertEquals(ConfluentAvroSchemasTest.event(3), decoder.decode(value));
    }

    @Test
    void resolvesAWriterSchemaWithAnExtraField() throws Exception {
        int id = client.register("features-value", WITH_EXTRA_FIELD);
        GenericRecord record = new GenericData.Record(WITH_EXTRA_FIELD);
        record.put("source", "sensor-9");
        record.put("event_id", "e1");
        record.put("entity_id", "u1");
        record.put("model", "fraud");
        record.put("event_time", ConfluentAvroSchemasTest.T0.toEpochMilli());
        record.put("features", List.of(1f, 2f));
        record.put("inputs", List.of());

        FeatureEvent event = decoder.decode(ConfluentWireFormat.frame(id, avro(record)));
        assertEquals("e1", event.getEventId());
        assertEquals(ConfluentAvroSchemasTest.T0, event.getEventTime());
        assertEquals(List.of(1f, 2f), event.getFeatures());
    }

    /**
     * The Avro body of a FeatureEvent that kafkajs' {@code @kafkajs/confluent-schema-registry}
     * 3.x encoded ({@code registry.encode(id, {event_id: 'k1', entity_id: 'u', model: 'fraud',
     * event_time: 1700000000000, features: [1.5, 2]})}) after registering FeatureEvent.avsc as
     * it was before named inputs: it still decodes, with no named inputs.
     */
    @Test
    void decodesAnEventEncodedByKafkajs() throws Exception {
        byte[] body = HexFormat.of()
                .parseHex("046b3102750a667261756480a0abfef962040000c03f0000004000");
        int id = client.register("features-value", BEFORE_NAMED_INPUTS);
        FeatureEvent event = decoder.decode(ConfluentWireFormat.frame(id, body));
        assertEquals("k1", event.getEventId());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), event.getEventTime());
        assertEquals(List.of(1.5f, 2f), event.getFeatures());
        assertEquals(List.of(), event.getInputs());
    }

    @Test
    void truncatedValues() {
        assertDecodeError(ErrorTypes.TRUNCATED, "value is null", null);
        assertDecodeError(ErrorTypes.TRUNCATED, "value has 4 bytes", new byte[] {0, 0, 0, 1});
    }

    @Test
    void badMagicByte() {
        assertDecodeError(ErrorTypes.BAD_MAGIC_BYTE, "magic byte is 0x01, expected 0x00",
                new byte[] {1, 0, 0, 0, 1, 2});
    }

    @Test
    void unknownSchemaId() {
        assertDecodeError(ErrorTypes.UNKNOWN_SCHEMA_ID,
                "schema id 4242 is not known to the schema registry at " + registry.url(),
                ConfluentWireFormat.frame(4242, new byte[] {2, 'a'}));
    }

    @Test
    void bodyThatEndsEarly() throws Exception {
        byte[] whole = ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(),
                "features").serialize(ConfluentAvroSchemasTest.event(1));
        int id = ConfluentWireFormat.schemaId(whole);
        assertDecodeError(ErrorTypes.UNDECODABLE, "schema id " + id + ": the Avro body of 10"
                + " bytes does not decode into FeatureEvent: EOFException",
                Arrays.copyOf(whole, ConfluentWireFormat.HEADER_SIZE + 10));
    }

    @Test
    void garbageBody() throws Exception {
        int id = client.register("features-value", FeatureEvent.getClassSchema());
        byte[] garbage = new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        assertDecodeError(ErrorTypes.UNDECODABLE, "schema id " + id + ": the Avro body of 5 bytes"
                + " does not decode into FeatureEvent", ConfluentWireFormat.frame(id, garbage));
    }

    @Test
    void writerSchemaThatDoesNotResolveToFeatureEvent() throws Exception {
        // No event_time, which has no default.
        Schema other = SchemaBuilder.record("Other").fields().requiredInt("event_id")
                .requiredString("entity_id").endRecord();
        int id = client.register("other-value", other);
        GenericRecord record = new GenericData.Record(other);
        record.put("event_id", 7);
        record.put("entity_id", "u");
        DecodeException e = assertDecodeError(ErrorTypes.UNDECODABLE, "schema id " + id,
                ConfluentWireFormat.frame(id, avro(record)));
        assertTrue(e.getMessage().contains("missing required field event_time"), e.getMessage());
    }

    @Test
    void unreachableRegistryIsNotTheRecordsFault() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var down = new ConfluentFeatureEventDecoder("http://127.0.0.1:" + port);
        IOException e = assertThrows(IOException.class,
                () -> down.decode(ConfluentWireFormat.frame(1, new byte[] {2, 'a'})));
        assertFalse(e instanceof DecodeException, e.toString());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void fetchesEachSchemaIdOnce() throws Exception {
        byte[] value = ConfluentAvroSchemas.serializer(FeatureEvent.class, registry.url(),
                "features").serialize(ConfluentAvroSchemasTest.event(1));
        long before = registry.requestCount();
        for (int i = 0; i < 100; i++) {
            decoder.decode(value);
        }
        assertEquals(1, registry.requestCount() - before);
    }

    private DecodeException assertDecodeError(String errorType, String message, byte[] value) {
        IOException thrown = assertThrows(IOException.class, () -> decoder.decode(value));
        DecodeException e = assertInstanceOf(DecodeException.class, thrown);
        assertEquals(errorType, e.errorType(), e.getMessage());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        return e;
    }

    private static byte[] avro(GenericRecord record) throws IOException {
        var out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
