package io.inferflow.operators.labels;

import io.inferflow.schemas.avro.LabelOutcome;

/** How one label scores its prediction: class hit, log-loss and absolute error. */
public final class LabelOutcomes {

    /** Scores are clipped to [CLIP, 1 - CLIP] for the log-loss. */
    public static final double CLIP = 1e-7;

    private LabelOutcomes() {}

    /**
     * The outcome of {@code model} v{@code version}'s first score {@code score} against {@code
     * label}: right when {@code score >= threshold} and {@code label >= 0.5} agree; log-loss of
     * the score as P(label = 1); {@code |score - label|}.
     */
    public static LabelOutcome of(
            String model, long version, double score, double label, double threshold) {
        boolean actual = label >= 0.5;
        double p = Math.min(1 - CLIP, Math.max(CLIP, score));
        return LabelOutcome.newBuilder()
                .setModel(model)
                .setModelVersion(version)
                .setCorrect((score >= threshold) == actual)
                .setLogLoss(-(actual ? Math.log(p) : Math.log(1 - p)))
                .setAbsoluteError(Math.abs(score - label))
                .build();
    }
}
