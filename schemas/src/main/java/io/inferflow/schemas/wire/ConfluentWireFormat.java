package io.inferflow.schemas.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The Confluent wire format of a Kafka value: the magic byte {@code 0}, the schema id as a
 * big-endian int32, then the Avro binary body.
 *
 * <pre>{@code
 * byte[] value = ConfluentWireFormat.frame(17, avroBody);
 * int id = ConfluentWireFormat.schemaId(value); // 17
 * }</pre>
 */
public final class ConfluentWireFormat {

    /** Bytes before the Avro body: the magic byte and the schema id. */
    public static final int HEADER_SIZE = 5;

    /** The first byte of every framed value. */
    public static final byte MAGIC_BYTE = 0;

    private ConfluentWireFormat() {}

    /**
     * Reads the schema id from a framed value.
     *
     * @throws DecodeException {@link ErrorTypes#TRUNCATED} when the value is null or shorter than
     *     the header, {@link ErrorTypes#BAD_MAGIC_BYTE} when byte 0 is not {@link #MAGIC_BYTE}
     */
    public static int schemaId(byte[] value) throws DecodeException {
        if (value == null) {
            throw new DecodeException(ErrorTypes.TRUNCATED, "value is null, expected at least "
                    + HEADER_SIZE + " bytes (Confluent wire format header)");
        }
        if (value.length < HEADER_SIZE) {
            throw new DecodeException(ErrorTypes.TRUNCATED, "value has " + value.length
                    + " bytes, expected at least " + HEADER_SIZE
                    + " (Confluent wire format header)");
        }
        if (value[0] != MAGIC_BYTE) {
            throw new DecodeException(ErrorTypes.BAD_MAGIC_BYTE, String.format(
                    "magic byte is 0x%02x, expected 0x%02x", value[0] & 0xff, MAGIC_BYTE));
        }
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    /** The framed value: header for {@code schemaId} followed by {@code avroBody}. */
    public static byte[] frame(int schemaId, byte[] avroBody) {
        if (avroBody == null) {
            throw new IllegalArgumentException("avroBody is null (schema id " + schemaId + ")");
        }
        return ByteBuffer.allocate(HEADER_SIZE + avroBody.length)
                .put(MAGIC_BYTE)
                .putInt(schemaId)
                .put(avroBody)
                .array();
    }

    /** Writes the 5-byte header for {@code schemaId}. */
    public static void writeHeader(int schemaId, OutputStream out) throws IOException {
        out.write(ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array());
    }
}
