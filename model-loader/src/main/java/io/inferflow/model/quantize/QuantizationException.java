package io.inferflow.model.quantize;

import io.inferflow.model.ModelException;

/**
 * The quantized model was built and measured, but fails a check (reason
 * {@code DEVIATION_EXCEEDED}); {@link #report()} still says what was measured.
 */
public class QuantizationException extends ModelException {

    /** {@link #reason()} when the deviation from FP32 is above the allowed maximum. */
    public static final String DEVIATION_EXCEEDED = "DEVIATION_EXCEEDED";

    private final transient QuantizationReport report;

    public QuantizationException(String reason, String message, QuantizationReport report) {
        super(reason, message);
        this.report = report;
    }

    public QuantizationReport report() {
        return report;
    }
}
