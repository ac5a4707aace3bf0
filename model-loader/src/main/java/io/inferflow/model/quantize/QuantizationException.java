package io.inferflow.model.quantize;

import io.inferflow.model.ModelException;

/**
 * The quantized model was built and measured, but fails a check (reason
 * {@link QuantizeFailure#DEVIATION_EXCEEDED}); {@link #report()} still says what was measured.
 */
public class QuantizationException extends ModelException {

    private static final long serialVersionUID = 1L;

    private final transient QuantizationReport report;

    public QuantizationException(
            QuantizeFailure reason, String message, QuantizationReport report) {
        super(reason, message);
        this.report = report;
    }

    public QuantizationReport report() {
        return report;
    }
}
