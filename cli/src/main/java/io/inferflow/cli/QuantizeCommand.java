package io.inferflow.cli;

import io.inferflow.cli.io.CsvFeatures;
import io.inferflow.model.quantize.QuantizationException;
import io.inferflow.model.quantize.QuantizationReport;
import io.inferflow.model.quantize.QuantizationResult;
import io.inferflow.model.quantize.QuantizeSettings;
import io.inferflow.model.quantize.Quantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pipeline model quantize}: INT8 weight quantization with a report that proves it. */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
            "Quantizes the MatMul/Gemm weights of an FP32 ONNX model to INT8 and reports size,"
                    + " deviation from FP32 on sample rows, decision agreement and ONNX Runtime"
                    + " time per batch. Exits 1 (and writes nothing) when --max-deviation is"
                    + " exceeded. Push the result with 'model push --precision INT8' (or FP16"
                    + " with --to fp16)."
        })
final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--in", required = true, paramLabel = "FP32.onnx")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "INT8.onnx")
    Path out;

    /** What the weights become. */
    enum Target { INT8, FP16 }

    @Option(names = "--to", defaultValue = "INT8",
            description = "INT8 (weight-only QDQ) or FP16 (for GPU task managers)"
                    + " (default: ${DEFAULT-VALUE}).")
    Target to;

    @Option(names = "--per-channel", description = "One scale per output column instead of per tensor.")
    boolean perChannel;

    @Option(names = "--sample", paramLabel = "ROWS.csv",
            description = "Rows to measure the deviation on (CSV with a header; 'id' and 'entity_id'"
                    + " columns are ignored). Default: 1,000 generated N(0,1) rows.")
    Path sample;

    @Option(names = "--max-deviation", paramLabel = "D",
            description = "Fail when the largest absolute deviation from FP32 exceeds D.")
    Double maxDeviation;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("--in " + in + " does not exist");
        }
        if (maxDeviation != null && !(maxDeviation > 0)) {
            throw new IllegalArgumentException("--max-deviation must be > 0, got " + maxDeviation);
        }
        QuantizeSettings.Builder options =
                QuantizeSettings.builder().perChannel(perChannel).maxDeviation(maxDeviation);
        if (sample != null) {
            float[][] rows = CsvFeatures.rows(sample);
            if (rows.length == 0) {
                throw new IllegalArgumentException("--sample " + sample + " has no rows");
            }
            options.sampleRows(rows);
        }
        QuantizationResult result;
        try {
            byte[] fp32 = Files.readAllBytes(in);
            result = to == Target.FP16
                    ? Quantizer.toFp16(fp32, options.build())
                    : Quantizer.quantize(fp32, options.build());
        } catch (QuantizationException e) {
            report(e.report());
            System.err.println("error: " + e.getMessage() + "; " + out + " not written");
            return 1;
        }
        Files.write(out, result.model());
        report(result.report());
        System.out.println("wrote " + out);
        return 0;
    }

    private void report(QuantizationReport report) throws Exception {
        System.out.print(report.format());
        if (json != null) {
            Files.writeString(json, report.toJsonString());
            System.out.println("wrote " + json);
        }
    }
}
