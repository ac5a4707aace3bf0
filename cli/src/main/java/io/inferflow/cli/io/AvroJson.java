package io.inferflow.cli.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes any Confluent-framed Avro value with the writer schema named by its id and renders it
 * as JSON (bytes as base64). Used by {@code pipeline consume} and local mode's status line.
 */
public final class AvroJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SchemaRegistryClient registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

    public AvroJson(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    public GenericRecord decode(byte[] value) throws IOException {
        int id = ConfluentWireFormat.schemaId(value);
        GenericDatumReader<GenericRecord> reader = readers.get(id);
        if (reader == null) {
            Schema schema = registry.getById(id);
            reader = new GenericDatumReader<>(schema);
            readers.put(id, reader);
        }
        BinaryDecoder decoder =
                DecoderFactory.get()
                        .binaryDecoder(
                                value,
                                ConfluentWireFormat.HEADER_SIZE,
                                value.length - ConfluentWireFormat.HEADER_SIZE,
                                null);
        return reader.read(null, decoder);
    }

    public String toJson(byte[] value) throws IOException {
        return MAPPER.writeValueAsString(toNode(decode(value)));
    }

    public static JsonNode toNode(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof GenericRecord) {
            GenericRecord record = (GenericRecord) value;
            ObjectNode node = NODES.objectNode();
            for (Schema.Field field : record.getSchema().getFields()) {
                node.set(field.name(), toNode(record.get(field.pos())));
            }
            return node;
        }
        if (value instanceof Collection) {
            ArrayNode array = NODES.arrayNode();
            for (Object item : (Collection<?>) value) {
                array.add(toNode(item));
            }
            return array;
        }
        if (value instanceof ByteBuffer) {
            ByteBuffer copy = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        if (value instanceof Float) {
            return NODES.numberNode((Float) value);
        }
        if (value instanceof Double) {
            return NODES.numberNode((Double) value);
        }
        if (value instanceof Integer) {
            return NODES.numberNode((Integer) value);
        }
        if (value instanceof Long) {
            return NODES.numberNode((Long) value);
        }
        if (value instanceof Boolean) {
            return NODES.booleanNode((Boolean) value);
        }
        if (value instanceof GenericData.EnumSymbol || value instanceof CharSequence) {
            return NODES.textNode(value.toString());
        }
        return NODES.textNode(String.valueOf(value));
    }
}
