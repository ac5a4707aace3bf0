package io.inferflow.schemas.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {

    @Test
    void framesIdBigEndianAfterMagicByte() throws Exception {
        byte[] value = ConfluentWireFormat.frame(0x01020304, new byte[] {9, 8});
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 9, 8}, value);
        assertEquals(0x01020304, ConfluentWireFormat.schemaId(value));
    }

    @Test
    void writesHeaderOnly() throws Exception {
        var out = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(258, out);
        assertArrayEquals(new byte[] {0, 0, 0, 1, 2}, out.toByteArray());
    }

    @Test
    void readsHeaderWithEmptyBody() throws Exception {
        assertEquals(-1, ConfluentWireFormat.schemaId(ConfluentWireFormat.frame(-1, new byte[0])));
    }

    @Test
    void rejectsNullAndShortValuesAsTruncated() {
        DecodeException nullValue =
                assertThrows(DecodeException.class, () -> ConfluentWireFormat.schemaId(null));
        assertEquals(ErrorTypes.TRUNCATED, nullValue.errorType());
        assertEquals("value is null, expected at least 5 bytes (Confluent wire format header)",
                nullValue.getMessage());

        DecodeException shortValue = assertThrows(DecodeException.class,
                () -> ConfluentWireFormat.schemaId(new byte[] {0, 0, 1}));
        assertEquals(ErrorTypes.TRUNCATED, shortValue.errorType());
        assertEquals("value has 3 bytes, expected at least 5 (Confluent wire format header)",
                shortValue.getMessage());
    }

    @Test
    void rejectsWrongMagicByteNamingIt() {
        DecodeException e = assertThrows(DecodeException.class,
                () -> ConfluentWireFormat.schemaId("{\"a\":1}".getBytes()));
        assertEquals(ErrorTypes.BAD_MAGIC_BYTE, e.errorType());
        assertEquals("magic byte is 0x7b, expected 0x00", e.getMessage());
    }
}
