package io.inferflow.cli;

import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code pipeline model push} that roll the pushed version out as a candidate
 * beside the model's desired (stable) version instead of replacing it: the mode and its guardrails.
 */
final class RolloutOptions {

    /** Events a candidate scores before its guardrails are judged, when any is given. */
    static final long DEFAULT_MIN_EVENTS = 500;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--canary", paramLabel = "PERCENT",
            description = "Roll the version out as a canary beside the desired (stable) version:"
                    + " it scores PERCENT (above 0, below 100) of the entities, chosen by a hash"
                    + " of model, version and entity id; end it with 'model promote' or 'model"
                    + " abort'.")
    Double canary;

    @Option(names = "--shadow",
            description = "Roll the version out as a shadow beside the desired (stable) version:"
                    + " it scores every event too, its predictions go to predictions-shadow"
                    + " only; end it with 'model promote' or 'model abort'.")
    boolean shadow;

    @Option(names = "--max-failure-rate", paramLabel = "F",
            description = "Guardrail (with --canary/--shadow): the job aborts the rollout when"
                    + " the candidate's failure rate exceeds this fraction, e.g. 0.05.")
    Double maxFailureRate;

    @Option(names = "--max-score-psi", paramLabel = "X",
            description = "Guardrail (with --canary/--shadow): the job aborts the rollout when"
                    + " the PSI of the candidate's scores against the stable version's exceeds"
                    + " X (0.2, say).")
    Double maxScorePsi;

    @Option(names = "--min-events", paramLabel = "N",
            description = "Events the candidate scores before the guardrails are judged"
                    + " (default: " + DEFAULT_MIN_EVENTS + " when a guardrail or"
                    + " --auto-promote-after is given, else 0).")
    Long minEvents;

    @Option(names = "--auto-promote-after", paramLabel = "N",
            description = "The job promotes the candidate once it scored N events within its"
                    + " guardrails (at least --min-events); without it, promote by hand.")
    Long autoPromoteAfter;

    /**
     * The rollout asked for, null for a plain push.
     *
     * @throws ParameterException naming the option when the options contradict each other
     */
    RolloutMode mode() {
        if (canary != null && shadow) {
            throw usage("--canary and --shadow exclude each other: roll a version out one way");
        }
        if (canary != null && !(canary > 0 && canary < 100)) {
            throw usage("--canary " + canary + ": the candidate's share must be above 0 and below"
                    + " 100 percent");
        }
        RolloutMode mode = canary != null ? RolloutMode.CANARY
                : shadow ? RolloutMode.SHADOW : null;
        List<String> given = guardrailOptions();
        if (mode == null && !given.isEmpty()) {
            throw usage(String.join(", ", given) + " needs --canary PERCENT or --shadow: it is a"
                    + " guardrail of a rollout");
        }
        return mode;
    }

    /**
     * The candidate of {@code deploy} (the DEPLOY a plain push would write) rolled out in
     * {@code mode} with these guardrails.
     */
    ModelCandidate candidate(ModelControl deploy, RolloutMode mode) {
        boolean judged = maxFailureRate != null || maxScorePsi != null
                || autoPromoteAfter != null;
        return ControlRecords.candidate(deploy)
                .setMode(mode)
                .setPercent(mode == RolloutMode.CANARY ? canary : 0)
                .setMaxFailureRate(maxFailureRate)
                .setMaxScorePsi(maxScorePsi)
                .setMinEvents(minEvents != null ? minEvents : judged ? DEFAULT_MIN_EVENTS : 0)
                .setAutoPromoteAfter(autoPromoteAfter != null ? autoPromoteAfter : 0)
                .build();
    }

    private List<String> guardrailOptions() {
        List<String> given = new ArrayList<>();
        if (maxFailureRate != null) {
            given.add("--max-failure-rate");
        }
        if (maxScorePsi != null) {
            given.add("--max-score-psi");
        }
        if (minEvents != null) {
            given.add("--min-events");
        }
        if (autoPromoteAfter != null) {
            given.add("--auto-promote-after");
        }
        return given;
    }

    private ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
