package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Decides whether a soak run passed, from its samples alone. Each broken rule gives one line
 * that names the job, the values and the limit; an empty list is a pass. See
 * {@link SoakThresholds} for the rules.
 */
public final class SoakCheck {

    private SoakCheck() {}

    /** The reasons {@code samples} fail {@code thresholds}, in the order of the rules. */
    public static List<String> failures(List<SoakSample> samples, SoakThresholds thresholds) {
        List<String> failures = new ArrayList<>();
        Map<String, String> jobs = new LinkedHashMap<>();
        samples.forEach(s -> s.jobs().forEach(j -> jobs.putIfAbsent(j.id(), j.name())));
        jobs.forEach((id, name) -> failures.addAll(jobFailures(id, name, samples)));
        if (samples.size() <= thresholds.warmupSamples()) {
            failures.add(String.format(Locale.ROOT,
                    "the run ended after %d samples, before the end of warm-up (%d samples):"
                            + " nothing to compare with the baseline",
                    samples.size(), thresholds.warmupSamples()));
            return failures;
        }
        SoakSample baseline = samples.get(thresholds.warmupSamples() - 1);
        List<SoakSample> after = samples.subList(thresholds.warmupSamples(), samples.size());
        jobs.forEach((id, name) -> stateGrowth(id, name, baseline, after, thresholds)
                .ifPresent(failures::add));
        rssGrowth(baseline, after, thresholds).ifPresent(failures::add);
        serving(after, thresholds).ifPresent(failures::add);
        return failures;
    }

    private static List<String> jobFailures(String id, String name, List<SoakSample> samples) {
        List<String> failures = new ArrayList<>();
        SoakSample firstRestart = null;
        SoakSample firstFailed = null;
        SoakSample firstNotRunning = null;
        String notRunning = null;
        long restarts = 0;
        long failed = 0;
        boolean seen = false;
        for (SoakSample s : samples) {
            Optional<FlinkJobsProbe.Job> job = job(s, id);
            if (job.isEmpty()) {
                if (seen && firstNotRunning == null) {
                    firstNotRunning = s;
                    notRunning = "gone from the REST API";
                }
                continue;
            }
            seen = true;
            FlinkJobsProbe.Job j = job.get();
            if (j.restarts() > restarts) {
                firstRestart = firstRestart == null ? s : firstRestart;
                restarts = j.restarts();
            }
            if (j.failedCheckpoints() > failed) {
                firstFailed = firstFailed == null ? s : firstFailed;
                failed = j.failedCheckpoints();
            }
            if (!"RUNNING".equals(j.state()) && firstNotRunning == null) {
                firstNotRunning = s;
                notRunning = j.state();
            }
        }
        if (firstRestart != null) {
            failures.add(String.format(Locale.ROOT, "job '%s' restarted %d time%s (first seen at"
                    + " %s)", name, restarts, restarts == 1 ? "" : "s", at(firstRestart)));
        }
        if (firstFailed != null) {
            failures.add(String.format(Locale.ROOT, "job '%s' had %d failed checkpoint%s (first"
                    + " seen at %s)", name, failed, failed == 1 ? "" : "s", at(firstFailed)));
        }
        if (firstNotRunning != null) {
            failures.add(String.format(Locale.ROOT, "job '%s' was %s at %s",
                    name, notRunning, at(firstNotRunning)));
        }
        return failures;
    }

    /** State growth under this many bytes is noise, whatever the percentage. */
    static final long STATE_FLOOR_BYTES = 1L << 20;

    private static Optional<String> stateGrowth(
            String id, String name, SoakSample baseline, List<SoakSample> after,
            SoakThresholds thresholds) {
        Optional<FlinkJobsProbe.Job> base = job(baseline, id);
        if (base.isEmpty()) {
            return Optional.empty(); // started after warm-up: no baseline to hold it to
        }
        Long baseBytes = base.get().checkpointBytes();
        if (baseBytes == null) {
            return Optional.of(String.format(Locale.ROOT, "job '%s' had completed no checkpoint"
                    + " by the end of warm-up (%s)", name, at(baseline)));
        }
        SoakSample worst = null;
        long worstBytes = baseBytes;
        for (SoakSample s : after) {
            Long bytes = job(s, id).map(FlinkJobsProbe.Job::checkpointBytes).orElse(null);
            if (bytes != null && bytes > worstBytes) {
                worst = s;
                worstBytes = bytes;
            }
        }
        // A small state swings by what is in flight at the barrier (labels waiting for their
        // predictions): growth counts only beyond the margin and beyond STATE_FLOOR_BYTES.
        if (worst == null
                || worstBytes <= baseBytes * (1 + thresholds.stateMargin())
                || worstBytes - baseBytes <= STATE_FLOOR_BYTES) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "job '%s' checkpoint state grew from %s at"
                        + " the end of warm-up (%s) to %s at %s (+%s, limit +%s and %s)",
                name, SoakTable.bytes(baseBytes), at(baseline), SoakTable.bytes(worstBytes),
                at(worst), growth(baseBytes, worstBytes),
                SoakThresholds.percent(thresholds.stateMargin()),
                SoakTable.bytes(STATE_FLOOR_BYTES)));
    }

    private static Optional<String> rssGrowth(
            SoakSample baseline, List<SoakSample> after, SoakThresholds thresholds) {
        if (baseline.rssBytes() < 0) {
            return Optional.empty();
        }
        SoakSample worst = max(after, SoakSample::rssBytes);
        if (worst.rssBytes() <= baseline.rssBytes() * (1 + thresholds.rssMargin())) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "RSS grew from %s at the end of warm-up"
                        + " (%s) to %s at %s (+%s, limit +%s)",
                SoakTable.bytes(baseline.rssBytes()), at(baseline),
                SoakTable.bytes(worst.rssBytes()), at(worst),
                growth(baseline.rssBytes(), worst.rssBytes()),
                SoakThresholds.percent(thresholds.rssMargin())));
    }

    private static Optional<String> serving(List<SoakSample> after, SoakThresholds thresholds) {
        SoakSample worst = max(after, s -> -s.predictionsPerSecond());
        if (worst.predictionsPerSecond() >= thresholds.minServedShare() * thresholds.rate()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "predictions/s fell to %,.0f at %s, below"
                        + " %s of the producer rate %,.0f events/s (%,.0f events/s produced"
                        + " then): serving fell behind",
                worst.predictionsPerSecond(), at(worst),
                SoakThresholds.percent(thresholds.minServedShare()), thresholds.rate(),
                worst.eventsPerSecond()));
    }

    private static Optional<FlinkJobsProbe.Job> job(SoakSample sample, String id) {
        return sample.jobs().stream().filter(j -> j.id().equals(id)).findFirst();
    }

    private static SoakSample max(List<SoakSample> samples, ToDoubleFunction<SoakSample> key) {
        return samples.stream().max(Comparator.comparingDouble(key)).orElseThrow();
    }

    private static String growth(long from, long to) {
        return from == 0 ? "inf%" : SoakThresholds.percent((double) (to - from) / from);
    }

    private static String at(SoakSample s) {
        return SoakTable.clock(s.elapsedSeconds());
    }
}
