package io.inferflow.model;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModelDescriptorTest {

    private static final String SHA = "ab".repeat(32);

    private static ModelDescriptor.Builder valid() {
        return ModelDescriptor.builder()
                .name("fraud")
                .version(3)
                .uri("file:///models/fraud-3.onnx")
                .sha256(SHA);
    }

    @Test
    void buildsWithDefaultsAndPrintsNameAndVersion() {
        ModelDescriptor d = valid().build();
        assertEquals(Precision.FP32, d.precision());
        assertNull(d.signature());
        assertNull(d.keyId());
        assertNull(d.inputName());
        assertEquals(0, d.inputWidth());
        assertEquals("'fraud' v3", d.toString());
    }

    @Test
    void signsNameVersionAndSha256() {
        assertEquals(
                "fraud\n3\n" + SHA,
                new String(valid().build().signedPayload(), StandardCharsets.UTF_8));
    }

    @Test
    void storesSha256InLowercase() {
        assertEquals(SHA, valid().sha256(SHA.toUpperCase()).build().sha256());
    }

    @Test
    void rejectsBadNameNamingIt() {
        assertMessage("model name must match [A-Za-z0-9][A-Za-z0-9._-]*, got '-fraud'",
                valid().name("-fraud"));
        assertMessage("model name must match [A-Za-z0-9][A-Za-z0-9._-]*, got 'a/b'",
                valid().name("a/b"));
        assertMessage("model name must match [A-Za-z0-9][A-Za-z0-9._-]*, got null",
                valid().name(null));
    }

    @Test
    void rejectsVersionBelowOne() {
        assertMessage("model 'fraud': version must be at least 1, got 0", valid().version(0));
    }

    @Test
    void rejectsSha256ThatIsNot64HexChars() {
        assertMessage("model 'fraud' v3: sha256 must be 64 hex characters, got 'abc'",
                valid().sha256("abc"));
        assertMessage(
                "model 'fraud' v3: sha256 must be 64 hex characters, got '" + "zz".repeat(32)
                        + "'",
                valid().sha256("zz".repeat(32)));
    }

    @Test
    void rejectsMissingUriAndNegativeWidth() {
        assertMessage("model 'fraud' v3: a URI is required, got null", valid().uri(null));
        assertMessage(
                "model 'fraud' v3: input width must be positive, or 0 for unchecked, got -1",
                valid().inputWidth(-1));
    }

    @Test
    void equalsOverAllFieldsAndSurvivesJavaSerialization() throws Exception {
        ModelDescriptor d = valid().signature("c2ln").keyId("0123456789abcdef").build();
        assertEquals(d, valid().signature("c2ln").keyId("0123456789abcdef").build());
        assertEquals(d.hashCode(), d.toBuilder().build().hashCode());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(d);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(d, in.readObject());
        }
    }

    private static void assertMessage(String expected, ModelDescriptor.Builder builder) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals(expected, e.getMessage());
    }
}
