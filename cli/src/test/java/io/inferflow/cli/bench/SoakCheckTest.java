package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SoakCheckTest {

    private static final long MB = 1024 * 1024;
    private static final double RATE = 2000;
    private static final LatencySummary VISIBLE = new LatencySummary(60_000, 500, 990, 1100);

    /** Two warm-up samples: the second, at 01:00, is the baseline. */
    private static final SoakThresholds THRESHOLDS =
            new SoakThresholds(RATE, 2, Duration.ofSeconds(60), 0.5, 0.1, 0.9);

    private static FlinkJobsProbe.Job job(String state, Long bytes, long failed, long restarts) {
        return new FlinkJobsProbe.Job("a1", "inferflow-local", state, bytes, 40L, failed, restarts);
    }

    private static FlinkJobsProbe.Job healthy() {
        return job("RUNNING", 20_000L, 0, 0);
    }

    private static SoakSample sample(int k, double predictions, long rss, FlinkJobsProbe.Job... jobs) {
        return new SoakSample(30.0 * k, RATE, predictions, VISIBLE, List.of(jobs), 300 * MB, rss);
    }

    private static SoakSample sample(int k, FlinkJobsProbe.Job... jobs) {
        return sample(k, RATE, 800 * MB, jobs);
    }

    /** Six healthy samples at 00:30 ... 03:00. */
    private static List<SoakSample> healthyRun() {
        List<SoakSample> samples = new ArrayList<>();
        for (int k = 1; k <= 6; k++) {
            samples.add(sample(k, healthy()));
        }
        return samples;
    }

    private static List<SoakSample> healthyRunWith(int k, SoakSample sample) {
        List<SoakSample> samples = healthyRun();
        samples.set(k - 1, sample);
        return samples;
    }

    @Test
    void passesASteadyRun() {
        assertEquals(List.of(), SoakCheck.failures(healthyRun(), THRESHOLDS));
    }

    @Test
    void failsOnAnyRestartEvenDuringWarmup() {
        List<SoakSample> samples = healthyRun();
        samples.set(0, sample(1, job("RUNNING", 20_000L, 0, 1)));
        for (int k = 2; k <= 6; k++) {
            samples.set(k - 1, sample(k, job("RUNNING", 20_000L, 0, 3)));
        }
        assertEquals(
                List.of("job 'inferflow-local' restarted 3 times (first seen at 00:30)"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void failsOnAFailedCheckpoint() {
        List<SoakSample> samples =
                healthyRunWith(4, sample(4, job("RUNNING", 20_000L, 1, 0)));
        samples.set(4, sample(5, job("RUNNING", 20_000L, 1, 0)));
        samples.set(5, sample(6, job("RUNNING", 20_000L, 1, 0)));
        assertEquals(
                List.of("job 'inferflow-local' had 1 failed checkpoint (first seen at 02:00)"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void failsOnAJobThatLeavesRunningOrDisappears() {
        assertEquals(
                List.of("job 'inferflow-local' was RESTARTING at 01:30"),
                SoakCheck.failures(
                        healthyRunWith(3, sample(3, job("RESTARTING", 20_000L, 0, 0))),
                        THRESHOLDS));
        assertEquals(
                List.of("job 'inferflow-local' was gone from the REST API at 02:30"),
                SoakCheck.failures(healthyRunWith(5, sample(5)), THRESHOLDS));
    }

    @Test
    void failsOnCheckpointStateGrowingBeyondItsMarginAfterWarmup() {
        List<SoakSample> samples = healthyRun();
        // Growing during warm-up is allowed; +50% of the baseline is still within the margin.
        samples.set(0, sample(1, job("RUNNING", 1_000L, 0, 0)));
        samples.set(2, sample(3, job("RUNNING", 30_000L, 0, 0)));
        assertEquals(List.of(), SoakCheck.failures(samples, THRESHOLDS));

        samples.set(4, sample(5, job("RUNNING", 5 * MB, 0, 0)));
        samples.set(5, sample(6, job("RUNNING", 2 * MB, 0, 0)));
        assertEquals(
                List.of("job 'inferflow-local' checkpoint state grew from 19.5 KB at the end of"
                        + " warm-up (01:00) to 5.00 MB at 02:30 (+26114%, limit +50% and"
                        + " 1.00 MB)"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void smallStatesSwingingUnderTheFloorAreNoGrowth() {
        List<SoakSample> samples = healthyRun();
        // +73% of a 135 KB state (labels in flight at the barrier) is under the 1 MB floor.
        samples.set(1, sample(2, job("RUNNING", 135_000L, 0, 0)));
        samples.set(3, sample(4, job("RUNNING", 233_000L, 0, 0)));
        assertEquals(List.of(), SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void failsOnAJobWithoutACheckpointAtTheEndOfWarmup() {
        assertEquals(
                List.of("job 'inferflow-local' had completed no checkpoint by the end of"
                        + " warm-up (01:00)"),
                SoakCheck.failures(
                        healthyRunWith(2, sample(2, job("RUNNING", null, 0, 0))), THRESHOLDS));
    }

    @Test
    void failsOnRssGrowingBeyondItsMarginAfterWarmup() {
        List<SoakSample> samples = healthyRun();
        samples.set(0, sample(1, RATE, 500 * MB, healthy()));
        samples.set(3, sample(4, RATE, 880 * MB, healthy()));
        assertEquals(List.of(), SoakCheck.failures(samples, THRESHOLDS));

        samples.set(5, sample(6, RATE, 2600 * MB, healthy()));
        assertEquals(
                List.of("RSS grew from 800 MB at the end of warm-up (01:00) to 2.54 GB at 03:00"
                        + " (+225%, limit +10%)"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void failsWhenPredictionsFallBehindTheProducerAfterWarmup() {
        List<SoakSample> samples = healthyRun();
        samples.set(0, sample(1, 100, 800 * MB, healthy()));
        samples.set(3, sample(4, 1800, 800 * MB, healthy()));
        assertEquals(List.of(), SoakCheck.failures(samples, THRESHOLDS));

        samples.set(4, sample(5, 1200, 800 * MB, healthy()));
        samples.set(5, sample(6, 0, 800 * MB, healthy()));
        assertEquals(
                List.of("predictions/s fell to 0 at 03:00, below 90% of the producer rate 2,000"
                        + " events/s (2,000 events/s produced then): serving fell behind"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void failsARunThatEndsInWarmup() {
        assertEquals(
                List.of("the run ended after 2 samples, before the end of warm-up (2 samples):"
                        + " nothing to compare with the baseline"),
                SoakCheck.failures(healthyRun().subList(0, 2), THRESHOLDS));
    }

    @Test
    void reportsEveryBrokenRuleOfEveryJob() {
        FlinkJobsProbe.Job evaluation =
                new FlinkJobsProbe.Job("b2", "inferflow-local-evaluation", "RUNNING", 1_000L, 9L,
                        2, 0);
        List<SoakSample> samples = healthyRunWith(6, sample(6, 10, 900 * MB, healthy(),
                evaluation));
        assertEquals(
                List.of("job 'inferflow-local-evaluation' had 2 failed checkpoints (first seen"
                                + " at 03:00)",
                        "RSS grew from 800 MB at the end of warm-up (01:00) to 900 MB at 03:00"
                                + " (+13%, limit +10%)",
                        "predictions/s fell to 10 at 03:00, below 90% of the producer rate"
                                + " 2,000 events/s (2,000 events/s produced then): serving fell"
                                + " behind"),
                SoakCheck.failures(samples, THRESHOLDS));
    }

    @Test
    void shortRunsUseTheirFirstTwoSamplesAsWarmup() {
        SoakSettings threeMinutes =
                new SoakSettings(Duration.ofMinutes(3), RATE, Duration.ofSeconds(30),
                        Duration.ofMinutes(5), 0.5, 0.1, null, "test");
        assertEquals(6, threeMinutes.samples());
        assertEquals(2, threeMinutes.warmupSamples());
        SoakSettings ci =
                new SoakSettings(Duration.ofMinutes(3), RATE, Duration.ofSeconds(30),
                        Duration.ofSeconds(60), 0.5, 0.1, null, "test");
        assertEquals(2, ci.warmupSamples());
        SoakSettings halfHour =
                new SoakSettings(Duration.ofMinutes(30), RATE, Duration.ofSeconds(60),
                        Duration.ofMinutes(5), 0.5, 0.1, null, "test");
        assertEquals(5, halfHour.warmupSamples());
        assertEquals(Duration.ofMinutes(5), halfHour.thresholds().warmup());
    }
}
