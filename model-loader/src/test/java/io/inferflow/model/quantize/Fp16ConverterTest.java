package io.inferflow.model.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.model.Mlp;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

class Fp16ConverterTest {

    @Test
    void halfConversionRoundsToNearestEvenAndCoversTheRange() {
        assertEquals(0x3c00, Fp16Converter.toHalf(1f));
        assertEquals((short) 0xc000, Fp16Converter.toHalf(-2f));
        assertEquals(0x7bff, Fp16Converter.toHalf(65504f));
        assertEquals(0x7c00, Fp16Converter.toHalf(1e6f));
        assertEquals(0x0001, Fp16Converter.toHalf(0x1p-24f));
        assertEquals(0x0000, Fp16Converter.toHalf(0x1p-26f));
        assertEquals(0x3c00, Fp16Converter.toHalf(1f + 0x1p-11f)); // tie, rounds to even
        assertEquals(0x3c02, Fp16Converter.toHalf(1f + 3 * 0x1p-11f)); // tie, rounds up to even
        for (float v : new float[] {0.1f, -3.14159f, 1234.5f, 1e-5f, 6e-8f}) {
            float back = Fp16Converter.toFloat(Fp16Converter.toHalf(v));
            assertTrue(Math.abs(back - v) <= Math.abs(v) * 0x1p-11f + 0x1p-25f, v + " -> " + back);
        }
    }

    @Test
    void fp16ModelLoadsWithTheSameInterfaceAndStaysCloseToFp32() throws Exception {
        byte[] fp32 = TrainedMlp.train(3).toOnnx();
        byte[] fp16 = Fp16Converter.convert(fp32);
        assertTrue(fp16.length < fp32.length * 0.7, fp32.length + " -> " + fp16.length);
        float[][] rows = Comparison.generate(500, TrainedMlp.IN, 4);
        RuntimeSettings one = RuntimeSettings.defaults();
        try (OnnxModel a = OnnxModel.load("fp32", fp32, one);
                OnnxModel b = OnnxModel.load("fp16", fp16, one)) {
            assertEquals(a.inputName(), b.inputName());
            assertEquals(a.inputWidth(), b.inputWidth());
            assertEquals(a.outputNames(), b.outputNames());
            float[] ya = a.score(buffer(rows), rows.length);
            float[] yb = b.score(buffer(rows), rows.length);
            double max = 0;
            for (int i = 0; i < ya.length; i++) {
                max = Math.max(max, Math.abs(ya[i] - yb[i]));
            }
            System.out.printf("fp16: %d -> %d bytes, max |fp16 - fp32| %.6f on %d rows%n",
                    fp32.length, fp16.length, max, rows.length);
            assertTrue(max <= 5e-3, "max deviation " + max);
        }
    }

    @Test
    void wideMlpFileHalves() throws Exception {
        byte[] fp32 = Mlp.random(2, 256, 1024, 1024, 1).toOnnx("features");
        byte[] fp16 = Fp16Converter.convert(fp32);
        assertTrue(fp16.length < fp32.length * 0.51, fp32.length + " -> " + fp16.length);
        try (OnnxModel m = OnnxModel.load("fp16", fp16, RuntimeSettings.defaults())) {
            assertEquals(1, m.outputWidth());
        }
    }

    @Test
    void toFp16ReportsSizeAndDeviationAndEnforcesTheLimit() throws Exception {
        byte[] fp32 = Mlp.random(3, 16, 64, 32, 1).toOnnx("features");
        QuantizationResult result =
                Quantizer.toFp16(fp32, QuantizeSettings.builder().timingRuns(0).build());
        QuantizationReport report = result.report();
        assertTrue(report.form().startsWith("fp16"), report.form());
        assertEquals(result.model().length, report.sizeAfter());
        assertTrue(report.sizeAfter() < report.sizeBefore(), report.format());
        assertTrue(report.maxAbsDeviation() > 0 && report.maxAbsDeviation() < 1e-2,
                report.format());
        QuantizationException e =
                assertThrows(
                        QuantizationException.class,
                        () -> Quantizer.toFp16(fp32, QuantizeSettings.builder().timingRuns(0)
                                .maxDeviation(1e-9).build()));
        assertEquals(QuantizeFailure.DEVIATION_EXCEEDED, e.reason());
        assertEquals(report.maxAbsDeviation(), e.report().maxAbsDeviation());
    }

    private static FloatBuffer buffer(float[][] rows) {
        FloatBuffer buf = ByteBuffer.allocateDirect(rows.length * rows[0].length * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (float[] row : rows) {
            buf.put(row);
        }
        return buf.flip();
    }
}
