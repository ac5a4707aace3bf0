package io.inferflow.cli.bench;

import java.util.Locale;

/**
 * One acceptance ratio: {@code numerator / denominator} events/s of two configurations on one
 * model, against a target. {@code ratio} is null when the run did not measure both.
 */
public record Acceptance(
        String model,
        BenchConfig numerator,
        BenchConfig denominator,
        double target,
        boolean asPercent,
        Double ratio) {

    /** Whether the ratio was measured and reaches the target. */
    public boolean met() {
        return ratio != null && ratio >= target;
    }

    /** {@code micro-batched / per-record events/s on 'wide'}. */
    public String description() {
        return numerator.label() + " / " + denominator.label() + " events/s on '" + model + "'";
    }

    /** {@code 7.42x (target >= 5x): met}, or why it was not measured. */
    public String verdict() {
        String goal = "target >= " + format(target);
        if (ratio == null) {
            return "not measured (" + goal + "; needs model '" + model + "' with "
                    + numerator.key() + " and " + denominator.key() + ")";
        }
        return format(ratio) + " (" + goal + "): " + (met() ? "met" : "MISSED");
    }

    private String format(double value) {
        if (asPercent) {
            return String.format(Locale.ROOT, "%.0f%%", value * 100);
        }
        return String.format(Locale.ROOT, "%.2fx", value);
    }
}
