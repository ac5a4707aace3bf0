package io.inferflow.model.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferflow.model.quantize.QuantizationReport.BatchTiming;
import io.inferflow.model.quantize.QuantizationReport.QuantizedOp;
import io.inferflow.model.quantize.QuantizationReport.SkippedOp;
import org.junit.jupiter.api.Test;

import java.util.List;

class QuantizationReportTest {

    private static final QuantizationReport REPORT =
            new QuantizationReport(4000, 1000, "int8 weight-only QDQ, per-tensor, symmetric",
                    List.of(new QuantizedOp("gemm", "Gemm", "W", "per-tensor")),
                    List.of(new SkippedOp("conv", "Conv", "not handled")),
                    List.of("a note"), 1000, true, 0.004, 0.001, "threshold 0.5", 0.995, 1,
                    List.of(new BatchTiming(64, 120.5, 150.25)));

    @Test
    void jsonHasEveryFieldAndParsesBack() throws Exception {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(REPORT.toJsonString());
        assertEquals(REPORT.toJson().toString(), json.toString());
        assertEquals(4.0, json.get("size_ratio").asDouble());
        assertEquals("W", json.get("quantized").get(0).get("weight").asText());
        assertEquals("not handled", json.get("skipped").get(0).get("reason").asText());
        assertEquals(0.004, json.get("max_abs_deviation").asDouble());
        assertEquals(150.25, json.get("timings_us").get(0).get("int8").asDouble());
        assertEquals("a note", json.get("notes").get(0).asText());
    }

    @Test
    void formatNamesSizesOpsDeviationAndTimings() {
        String text = REPORT.format();
        assertTrue(text.contains("4,000 -> 1,000 bytes (4.00x smaller)"), text);
        assertTrue(text.contains("Conv 'conv': not handled"), text);
        assertTrue(text.contains("max 0.004000, mean 0.001000 (absolute, 1000 generated rows)"),
                text);
        assertTrue(text.contains("99.50% of rows (threshold 0.5)"), text);
        assertTrue(text.contains("    64        120.5        150.3"), text);
    }
}
