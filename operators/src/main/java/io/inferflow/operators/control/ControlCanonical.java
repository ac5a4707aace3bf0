package io.inferflow.operators.control;

import io.inferflow.schemas.avro.ModelControl;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical encoding of a control record, the bytes its {@code record_signature} covers.
 *
 * <p>The text {@value #FORMAT}, a newline, then the record as JSON with its fields in name order
 * and no spaces: every field of the record and of its nested records, except {@code
 * record_signature} itself, <em>leaving out a field that holds its schema default</em>. Leaving
 * defaults out keeps a signature valid across schema evolution: a field added later with a
 * default reads as that default from an old record and so is not part of what was signed, while
 * any value other than the default is. Longs and ints are decimal, doubles are the hex of their
 * IEEE bits (Java's decimal form of a double changed between JDK 17 and 19), timestamps are epoch
 * milliseconds, enums their symbol, strings JSON-escaped.
 *
 * <pre>{@code
 * byte[] signed = ControlCanonical.bytes(record);
 * record.setRecordSignature(Ed25519.sign(key.getPrivate(), signed));
 * }</pre>
 */
public final class ControlCanonical {

    /** The first line of the encoding: a new format gets a new name. */
    public static final String FORMAT = "inferflow-control-v1";

    /** The field that holds the signature and so is not signed. */
    static final String SIGNATURE_FIELD = "record_signature";

    private ControlCanonical() {}

    /** The bytes {@code record}'s {@code record_signature} covers. */
    public static byte[] bytes(ModelControl record) {
        StringBuilder out = new StringBuilder(FORMAT).append('\n');
        record(out, record, record.getSchema(), true);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void record(StringBuilder out, IndexedRecord r, Schema schema, boolean top) {
        List<Schema.Field> fields = new ArrayList<>(schema.getFields());
        fields.sort(Comparator.comparing(Schema.Field::name));
        out.append('{');
        boolean first = true;
        for (Schema.Field f : fields) {
            if (top && f.name().equals(SIGNATURE_FIELD)) {
                continue;
            }
            String value = value(r.get(f.pos()), f.schema());
            if (f.hasDefaultValue() && value.equals(defaultValue(f))) {
                continue;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, f.name());
            out.append(':').append(value);
        }
        out.append('}');
    }

    private static String defaultValue(Schema.Field f) {
        Object d = f.defaultVal();
        if (d == null || d == JsonProperties.NULL_VALUE) {
            return "null";
        }
        return value(d, f.schema());
    }

    private static String value(Object v, Schema schema) {
        if (v == null || v == JsonProperties.NULL_VALUE) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        switch (schema.getType()) {
            case UNION -> {
                // Every union here is [null, X] (or [X, null]): the value is of the other branch.
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return value(v, branch);
                    }
                }
                throw new IllegalArgumentException("a union of null only: " + schema);
            }
            case RECORD -> record(out, (IndexedRecord) v, schema, false);
            case ENUM, STRING -> string(out, v.toString());
            case LONG, INT -> out.append(v instanceof Instant i ? i.toEpochMilli()
                    : ((Number) v).longValue());
            case DOUBLE, FLOAT -> out.append("0x").append(Long.toHexString(
                    Double.doubleToLongBits(((Number) v).doubleValue())));
            case BOOLEAN -> out.append(((Boolean) v).booleanValue());
            case BYTES -> string(out, Base64.getEncoder().encodeToString(bytes(v)));
            case ARRAY -> {
                out.append('[');
                boolean first = true;
                for (Object item : (Collection<?>) v) {
                    out.append(first ? "" : ",").append(value(item, schema.getElementType()));
                    first = false;
                }
                out.append(']');
            }
            case MAP -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, ?> e : sortedMap((Map<?, ?>) v).entrySet()) {
                    out.append(first ? "" : ",");
                    string(out, e.getKey());
                    out.append(':').append(value(e.getValue(), schema.getValueType()));
                    first = false;
                }
                out.append('}');
            }
            default -> throw new IllegalArgumentException(
                    "no canonical form for " + schema.getType() + " values");
        }
        return out.toString();
    }

    private static Map<String, ?> sortedMap(Map<?, ?> map) {
        Map<String, Object> sorted = new TreeMap<>();
        map.forEach((k, val) -> sorted.put(k.toString(), val));
        return sorted;
    }

    private static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        if (v instanceof byte[] b) {
            return b;
        }
        // A JSON default of a bytes field is a string of ISO-8859-1 characters.
        return v.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
