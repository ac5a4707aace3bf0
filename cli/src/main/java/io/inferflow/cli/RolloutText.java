package io.inferflow.cli;

import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How {@code pipeline model status} words a rollout's guardrails and the judge's reports. */
final class RolloutText {

    private RolloutText() {}

    /**
     * {@code guardrails: failure rate at most 5%, score PSI at most 0.2, judged after 500 events;
     * auto-promote after 2000 events}.
     */
    static String guardrails(ModelCandidate c) {
        List<String> limits = new ArrayList<>();
        if (c.getMaxFailureRate() != null) {
            limits.add("failure rate at most " + percent(c.getMaxFailureRate()));
        }
        if (c.getMaxScorePsi() != null) {
            limits.add("score PSI at most " + c.getMaxScorePsi());
        }
        String text = limits.isEmpty() ? "no guardrails"
                : "guardrails: " + String.join(", ", limits);
        if (c.getMinEvents() > 0) {
            text += ", judged after " + c.getMinEvents() + " events";
        }
        return text + (c.getAutoPromoteAfter() > 0
                ? "; auto-promote after " + c.getAutoPromoteAfter() + " events"
                : "; promote or abort by hand");
    }

    /** The lines of {@code report}: what was compared, the numbers, the decision and why. */
    static List<String> report(RolloutReport r) {
        String share = r.getMode() == RolloutMode.CANARY
                ? " (" + BigDecimal.valueOf(r.getPercent()).stripTrailingZeros().toPlainString()
                        + "%)"
                : "";
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT,
                "rollout report (generation %d, at %s): %s v%d%s beside v%d: %s",
                r.getGeneration(), r.getAt(), r.getMode().name().toLowerCase(Locale.ROOT),
                r.getCandidateVersion(), share, r.getStableVersion(), r.getDecision()));
        lines.add(String.format(Locale.ROOT,
                "  events: stable %d, candidate %d; candidate failures %d (%s)",
                r.getStableEvents(), r.getCandidateEvents(), r.getCandidateFailures(),
                percent(r.getCandidateFailureRate())));
        lines.add(String.format(Locale.ROOT,
                "  p99: stable %s, candidate %s; score PSI %s; agreement %s",
                millis(r.getStableP99Ms()), millis(r.getCandidateP99Ms()),
                r.getScorePsi() == null ? "n/a"
                        : String.format(Locale.ROOT, "%.4f", r.getScorePsi()),
                r.getAgreement() == null ? "n/a" : percent(r.getAgreement())));
        if (r.getReason() != null) {
            lines.add("  reason: " + r.getReason());
        }
        return lines;
    }

    private static String millis(Double ms) {
        return ms == null ? "n/a" : String.format(Locale.ROOT, "%.2f ms", ms);
    }

    /** A fraction as a percentage: {@code 0.05} is {@code 5.00%}. */
    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }
}
