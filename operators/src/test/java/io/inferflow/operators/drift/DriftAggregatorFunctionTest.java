package io.inferflow.operators.drift;

import io.inferflow.model.profile.DriftStatistics;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.metrics.DriftMetrics;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftFlag;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.DriftValue;
import io.inferflow.schemas.avro.DriftWindowClose;
import io.inferflow.schemas.avro.LabelOutcome;
import io.inferflow.operators.labels.LabelOutcomes;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Windows, merging across subtasks, reports and gauges of {@link DriftAggregatorFunction}. */
class DriftAggregatorFunctionTest {

    /** Three standard normal features and one score, 10 quantile bins each, 20,000 rows. */
    private static final ReferenceProfile PROFILE = DriftSamples.normalProfile(3, 20_000);

    @Test
    void mergesSubtasksIntoWindowsOfTheConfiguredCount() throws Exception {
        DriftSettings settings = DriftSettings.defaults().withWindow(1_000, Duration.ZERO);
        try (var harness = open(settings)) {
            harness.processElement1(partial(0, 400, 0.0), 10L);
            harness.processElement1(partial(1, 400, 0.0), 10L);
            assertEquals(List.of(), harness.extractOutputValues(), "800 of 1,000 events");
            harness.processElement1(partial(0, 400, 0.0), 20L);

            DriftReport report = single(harness.extractOutputValues());
            assertEquals("m", report.getModel());
            assertEquals(3L, report.getModelVersion());
            assertEquals(1L, report.getWindow());
            assertEquals(1_200L, report.getEvents());
            assertEquals(2, report.getSubtasks());
            assertEquals(DriftWindowClose.EVENTS, report.getClosedBy());
            assertEquals(20_000L, report.getProfileRows());
            assertEquals(3, report.getFeatures().size());
            assertEquals(1, report.getScores().size());
            for (DriftValue v : report.getFeatures()) {
                assertEquals(1_200L, v.getCount());
                assertTrue(v.getPsi() < 0.1, v.toString());
                assertEquals(DriftFlag.STABLE, v.getFlag());
            }
            assertEquals(0, report.getDriftedFeatures());

            harness.processElement1(partial(1, 1_000, 0.0), 30L);
            assertEquals(2L, last(harness.extractOutputValues()).getWindow());
        }
    }

    @Test
    void reportsTheValuesThatDriftStatisticsComputes() throws Exception {
        try (var harness = open(DriftSettings.defaults().withWindow(500, Duration.ZERO))) {
            DriftCounts a = partial(0, 300, 0.0);
            DriftCounts b = partial(1, 300, 0.0);
            long[] merged = new long[a.getFeatures().get(1).getCounts().size()];
            for (int i = 0; i < merged.length; i++) {
                merged[i] =
                        a.getFeatures().get(1).getCounts().get(i)
                                + b.getFeatures().get(1).getCounts().get(i);
            }
            harness.processElement1(a, 1L);
            harness.processElement1(b, 2L);

            DriftValue f1 = single(harness.extractOutputValues()).getFeatures().get(1);
            double[] expected = PROFILE.features().get(1).proportions();
            assertEquals(DriftStatistics.psi(expected, merged), f1.getPsi(), 1e-12);
            assertEquals(DriftStatistics.jensenShannon(expected, merged), f1.getJensenShannon(),
                    1e-12);
            assertEquals(DriftStatistics.ks(expected, merged), f1.getKs(), 1e-12);
        }
    }

    @Test
    void flagsTheShiftedFeatureOnly() throws Exception {
        try (var harness = open(DriftSettings.defaults().withWindow(2_000, Duration.ZERO))) {
            harness.processElement1(partialShifting(0, 2_000, 1, 1.0), 1L);

            DriftReport report = single(harness.extractOutputValues());
            assertEquals(DriftFlag.STABLE, report.getFeatures().get(0).getFlag());
            assertEquals(DriftFlag.MAJOR, report.getFeatures().get(1).getFlag());
            assertEquals(DriftFlag.STABLE, report.getFeatures().get(2).getFlag());
            assertEquals(1, report.getDriftedFeatures());
            assertEquals(1, report.getMajorFeatures());
            assertEquals(1.0 / 3, report.getDriftedShare(), 1e-12);
            assertEquals("f1", report.getMaxPsiFeature());
            assertEquals(report.getFeatures().get(1).getPsi(), report.getMaxPsi(), 0);

            DriftMetrics metrics = aggregator(harness).metrics("m", 3L);
            assertEquals(1L, metrics.windows());
            assertEquals(report.getMaxPsi(), metrics.maxPsi(), 0);
        }
    }

    @Test
    void closesByTimeOnceTheWindowHasItsMinimumEvents() throws Exception {
        DriftSettings settings =
                new DriftSettings(true, 0, Duration.ofSeconds(60), 100,
                        Duration.ofSeconds(1), 0.1, 0.25, 8);
        try (var harness = open(settings)) {
            harness.setProcessingTime(1_000);
            harness.processElement1(partial(0, 50, 0.0), 1L);
            harness.setProcessingTime(61_000);
            assertEquals(List.of(), harness.extractOutputValues(), "50 < 100 events: stays open");

            harness.processElement1(partial(1, 60, 0.0), 2L);
            harness.setProcessingTime(121_000);
            DriftReport report = single(harness.extractOutputValues());
            assertEquals(DriftWindowClose.TIME, report.getClosedBy());
            assertEquals(110L, report.getEvents());
            assertEquals(2, report.getSubtasks());
        }
    }

    @Test
    void closesTheWindowWhenTheProfileChanges() throws Exception {
        ReferenceProfile other = DriftSamples.normalProfile(3, 5_000);
        try (var harness = open(DriftSettings.defaults().withWindow(1_000, Duration.ZERO))) {
            harness.processElement1(partial(0, 300, 0.0), 1L);
            harness.processElement1(DriftSamples.counts(other, 0, 300, -1, 0.0), 2L);

            DriftReport report = single(harness.extractOutputValues());
            assertEquals(DriftWindowClose.PROFILE_CHANGE, report.getClosedBy());
            assertEquals(300L, report.getEvents());
            assertEquals(20_000L, report.getProfileRows());
        }
    }

    @Test
    void keepsTheOpenWindowAndItsNumberAcrossRestore() throws Exception {
        DriftSettings settings = DriftSettings.defaults().withWindow(1_000, Duration.ZERO);
        OperatorSubtaskState snapshot;
        try (var harness = open(settings)) {
            harness.processElement1(partial(0, 1_000, 0.0), 1L);
            harness.processElement1(partial(0, 600, 0.0), 2L);
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(partial(1, 600, 0.0), 3L);

            DriftReport report = single(restored.extractOutputValues());
            assertEquals(2L, report.getWindow());
            assertEquals(1_200L, report.getEvents());
            assertEquals(2, report.getSubtasks());
        }
    }

    @Test
    void laterPartialsOfACounterCarryOnlyTheProfilesSha() throws Exception {
        DriftCounter counter =
                new DriftCounter("m", 3L, PROFILE, PROFILE.toJson(), PROFILE.featureCount(), 1);
        try (var harness = open(DriftSettings.defaults().withWindow(1_000, Duration.ZERO))) {
            DriftCounts first = null;
            for (int i = 0; i < 4; i++) {
                DriftSamples.countNormalRows(counter, PROFILE.featureCount(), 400);
                DriftCounts partial = counter.drain(0);
                if (i == 0) {
                    first = partial;
                } else {
                    assertNull(partial.getProfile(), "partial " + i);
                    assertEquals(first.getProfileSha256(), partial.getProfileSha256());
                }
                harness.processElement1(partial, i);
            }
            assertEquals(PROFILE.toJson(), first.getProfile());
            List<DriftReport> reports = harness.extractOutputValues();
            assertEquals(List.of(1L), reports.stream().map(DriftReport::getWindow).toList(),
                    "1,200 events close one window; the profile came with the first partial");
            assertEquals(1_200L, reports.get(0).getEvents());
        }
    }

    @Test
    void labelsJoinedWhileAWindowIsOpenCountInItsReport() throws Exception {
        try (var harness = open(DriftSettings.defaults().withWindow(1_000, Duration.ZERO))) {
            // Two labels before the first window opens wait for it.
            harness.processElement2(LabelOutcomes.of("m", 3L, 0.9, 1.0, 0.5), 1L);
            harness.processElement2(LabelOutcomes.of("m", 3L, 0.8, 0.0, 0.5), 1L);
            harness.processElement1(partial(0, 600, 0.0), 2L);
            harness.processElement2(LabelOutcomes.of("m", 3L, 0.2, 0.0, 0.5), 3L);
            harness.processElement2(LabelOutcomes.of("m", 4L, 0.2, 1.0, 0.5), 3L);
            harness.processElement1(partial(1, 600, 0.0), 4L);

            DriftReport report = single(harness.extractOutputValues());
            assertEquals(3L, report.getLabeled(), "v4's label is not v3's");
            assertEquals(2.0 / 3, report.getAccuracy(), 1e-12);
            assertEquals(
                    (-Math.log(0.9) - Math.log(0.2) - Math.log(0.8)) / 3, report.getLogLoss(),
                    1e-12);
            assertEquals((0.1 + 0.8 + 0.2) / 3, report.getAbsoluteError(), 1e-12);

            harness.processElement1(partial(0, 1_000, 0.0), 5L);
            DriftReport second = harness.extractOutputValues().get(1);
            assertEquals(0L, second.getLabeled());
            assertNull(second.getAccuracy(), "no labels, no accuracy");
        }
    }

    @Test
    void windowsAreKeptPerModelVersion() throws Exception {
        try (var harness = open(DriftSettings.defaults().withWindow(500, Duration.ZERO))) {
            harness.processElement1(partial(0, 300, 0.0), 1L);
            DriftCounts v4 = partial(0, 300, 0.0);
            v4.setModelVersion(4L);
            harness.processElement1(v4, 2L);
            assertEquals(List.of(), harness.extractOutputValues());
            assertNull(aggregator(harness).metrics("m", 4L));
        }
    }

    // --- helpers

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, DriftCounts, LabelOutcome, DriftReport>
            open(DriftSettings settings) throws Exception {
        var harness = harness(settings);
        harness.open();
        return harness;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, DriftCounts, LabelOutcome, DriftReport>
            harness(DriftSettings settings) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new DriftAggregatorFunction(settings)),
                DriftAggregatorFunction.KEY,
                DriftAggregatorFunction.LABEL_KEY,
                Types.STRING);
    }

    private static DriftAggregatorFunction aggregator(
            KeyedTwoInputStreamOperatorTestHarness<String, DriftCounts, LabelOutcome, DriftReport>
                    harness) {
        return (DriftAggregatorFunction)
                ((KeyedCoProcessOperator<?, ?, ?, ?>) harness.getOperator()).getUserFunction();
    }

    private static DriftCounts partial(int subtask, int rows, double shift) {
        return DriftSamples.counts(PROFILE, subtask, rows, -1, shift);
    }

    private static DriftCounts partialShifting(int subtask, int rows, int feature, double shift) {
        return DriftSamples.counts(PROFILE, subtask, rows, feature, shift);
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), "expected exactly one, got " + values);
        return values.get(0);
    }

    private static <T> T last(List<T> values) {
        return values.get(values.size() - 1);
    }
}
