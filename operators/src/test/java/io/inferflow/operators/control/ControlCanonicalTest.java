package io.inferflow.operators.control;

import io.inferflow.schemas.avro.ModelControl;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlCanonicalTest {

    @Test
    void leavesOutDefaultsAndTheSignatureAndSortsFields() {
        ModelControl r = ControlGateRulesTest.deploy(3, 5, "a".repeat(64));
        String text = new String(ControlCanonical.bytes(r), StandardCharsets.UTF_8);
        assertEquals("inferflow-control-v1\n{\"action\":\"DEPLOY\",\"generation\":5,"
                + "\"input_name\":\"features\",\"input_width\":16,"
                + "\"issued_at\":1700000000005,\"issued_by\":\"alice\",\"name\":\"fraud\","
                + "\"sha256\":\"" + "a".repeat(64) + "\",\"uri\":\"file:///models/fraud-3.onnx\","
                + "\"version\":3}", text);
        r.setRecordSignature("anything");
        assertEquals(text, new String(ControlCanonical.bytes(r), StandardCharsets.UTF_8));
        r.setRecordKeyId("k1");
        assertTrue(new String(ControlCanonical.bytes(r), StandardCharsets.UTF_8)
                .contains("\"record_key_id\":\"k1\""));
    }

    @Test
    void aNestedCandidateAndItsDoublesAreExact() {
        ModelControl a = ControlGateRulesTest.canary(3);
        ModelControl b = ControlGateRulesTest.canary(3);
        assertArrayEquals(ControlCanonical.bytes(a), ControlCanonical.bytes(b));
        b.getCandidate().setPercent(Math.nextUp(20.0));
        assertNotEquals(new String(ControlCanonical.bytes(a), StandardCharsets.UTF_8),
                new String(ControlCanonical.bytes(b), StandardCharsets.UTF_8));
        String text = new String(ControlCanonical.bytes(a), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"candidate\":{\"auto_promote_after\":1000,"), text);
        assertTrue(text.contains("\"percent\":0x4034000000000000"), text);
    }

    @Test
    void escapesStrings() {
        ModelControl r = ControlGateRulesTest.deploy(1, 1, "a".repeat(64));
        r.setNote("line\n\"quoted\" \\ \u0001");
        String text = new String(ControlCanonical.bytes(r), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"note\":\"line\\n\\\"quoted\\\" \\\\ \\u0001\""), text);
        assertFalse(text.substring(text.indexOf('\n') + 1).contains("\n"));
    }
}
