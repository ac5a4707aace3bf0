package io.inferflow.jobs.kafka;

import io.inferflow.schemas.Topics;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Encodes records of one generated Avro class in the Confluent wire format for a topic, outside
 * Flink (producers, tools). Registers the schema under {@code <topic>-value} once.
 */
public final class AvroWireEncoder<T extends SpecificRecord> {

    private final SpecificDatumWriter<T> writer;
    private final int schemaId;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    public AvroWireEncoder(SchemaRegistryClient registry, String topic, T prototype)
            throws IOException {
        this.writer = new SpecificDatumWriter<>(prototype.getSchema());
        this.schemaId = registry.register(Topics.valueSubject(topic), prototype.getSchema());
    }

    public int schemaId() {
        return schemaId;
    }

    /** Not thread-safe: one encoder per producing thread. */
    public byte[] encode(T record) throws IOException {
        out.reset();
        ConfluentWireFormat.writeHeader(schemaId, out);
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        writer.write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
