package io.inferflow.cli;

import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollout options of {@code pipeline model push}: usage errors before anything is read or
 * written (no Kafka here: the checks come first), the candidate they build, and how {@code model
 * status} words guardrails and reports.
 */
class RolloutOptionsTest {

    @Test
    void canaryAndShadowExcludeEachOther() {
        assertUsageError("--canary and --shadow exclude each other", "--canary", "20", "--shadow");
    }

    @Test
    void aGuardrailWithoutARolloutIsAUsageErrorNamingIt() {
        assertUsageError("--max-failure-rate needs --canary PERCENT or --shadow",
                "--max-failure-rate", "0.05");
        assertUsageError("--max-score-psi, --auto-promote-after needs --canary PERCENT or"
                + " --shadow", "--max-score-psi", "0.2", "--auto-promote-after", "1000");
        assertUsageError("--min-events needs", "--min-events", "10");
    }

    @Test
    void theCanaryShareMustBeAbove0AndBelow100() {
        for (String percent : List.of("0", "100", "150", "-5")) {
            assertUsageError("--canary " + Double.parseDouble(percent)
                    + ": the candidate's share must be above 0 and below 100 percent",
                    "--canary", percent);
        }
    }

    @Test
    void theCandidateIsThePushedDescriptorWithModeShareAndGuardrails() {
        ModelControl deploy = ControlRecords.deploy("fraud", 4, 9, "file:///m/v4.onnx",
                "a".repeat(64), "features", 16, ModelPrecision.FP16, null, "alice");
        deploy.setProfile("{}");
        deploy.setAllowSignatureChange(true);

        RolloutOptions canary = new RolloutOptions();
        canary.canary = 12.5;
        canary.maxFailureRate = 0.05;
        ModelCandidate c = canary.candidate(deploy, RolloutMode.CANARY);
        assertEquals(4, c.getVersion());
        assertEquals("file:///m/v4.onnx", c.getUri());
        assertEquals("a".repeat(64), c.getSha256());
        assertEquals("features", c.getInputName());
        assertEquals(16, c.getInputWidth());
        assertEquals(ModelPrecision.FP16, c.getPrecision());
        assertEquals("{}", c.getProfile());
        assertTrue(c.getAllowSignatureChange());
        assertEquals(12.5, c.getPercent());
        assertEquals(0.05, c.getMaxFailureRate());
        assertNull(c.getMaxScorePsi());
        assertEquals(RolloutOptions.DEFAULT_MIN_EVENTS, c.getMinEvents(), "a guardrail's default");
        assertEquals(0, c.getAutoPromoteAfter());

        RolloutOptions shadow = new RolloutOptions();
        shadow.shadow = true;
        assertEquals(0, shadow.candidate(deploy, RolloutMode.SHADOW).getMinEvents(),
                "nothing to judge");
        shadow.autoPromoteAfter = 2000L;
        assertEquals(500, shadow.candidate(deploy, RolloutMode.SHADOW).getMinEvents());
        shadow.minEvents = 50L;
        ModelCandidate s = shadow.candidate(deploy, RolloutMode.SHADOW);
        assertEquals(50, s.getMinEvents());
        assertEquals(0.0, s.getPercent());
        assertEquals(
                "guardrails: failure rate at most 5.00%, judged after 500 events; promote or"
                        + " abort by hand",
                RolloutText.guardrails(c));
        assertEquals("no guardrails, judged after 50 events; auto-promote after 2000 events",
                RolloutText.guardrails(s));
    }

    @Test
    void aReportReadsAsTheComparisonAndTheDecision() {
        RolloutReport report = RolloutReport.newBuilder()
                .setModel("fraud").setGeneration(7).setMode(RolloutMode.CANARY).setPercent(20)
                .setStableVersion(3).setCandidateVersion(4)
                .setStableEvents(1600).setCandidateEvents(400).setCandidateFailures(40)
                .setCandidateFailureRate(0.1).setStableP99Ms(3.25).setCandidateP99Ms(null)
                .setScorePsi(0.0123).setAgreement(null)
                .setDecision(RolloutDecision.ABORTED)
                .setReason("failure rate 10.0% > 5.0% after 400 events")
                .setAt(Instant.parse("2025-01-02T03:04:05Z"))
                .build();
        assertEquals(List.of(
                        "rollout report (generation 7, at 2025-01-02T03:04:05Z): canary v4 (20%)"
                                + " beside v3: ABORTED",
                        "  events: stable 1600, candidate 400; candidate failures 40 (10.00%)",
                        "  p99: stable 3.25 ms, candidate n/a; score PSI 0.0123; agreement n/a",
                        "  reason: failure rate 10.0% > 5.0% after 400 events"),
                RolloutText.report(report));
    }

    private static void assertUsageError(String message, String... rolloutOptions) {
        CliRun run = CliRun.of(Stream.of(
                        Stream.of("model", "push", "--name", "fraud", "--version", "2"),
                        Stream.of(rolloutOptions),
                        Stream.of("--file", "not-read.onnx", "--bootstrap", "127.0.0.1:1"))
                .flatMap(s -> s)
                .toArray(String[]::new));
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains(message), run.toString());
        assertFalse(run.out().contains("DEPLOY"), run.toString());
    }
}
