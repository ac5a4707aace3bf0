package io.inferflow.operators.drift;

import io.inferflow.model.profile.DriftBand;
import io.inferflow.model.profile.DriftStatistics;
import io.inferflow.model.profile.DriftThresholds;
import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.BinCounts;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftFlag;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.DriftValue;
import io.inferflow.schemas.avro.DriftWindowClose;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Pure functions of drift windows: merging subtasks' {@link DriftCounts} and turning a window's
 * counts into a {@link DriftReport} (PSI, Jensen-Shannon distance and KS per feature and score,
 * their flags, the share of drifted features).
 */
public final class DriftReports {

    private DriftReports() {}

    /** A copy of {@code first}, to merge further partials into. */
    public static DriftCounts copy(DriftCounts first) {
        return DriftCounts.newBuilder(first)
                .setSubtasks(new ArrayList<>(first.getSubtasks()))
                .setFeatures(copyBins(first.getFeatures()))
                .setScores(copyBins(first.getScores()))
                .build();
    }

    private static List<BinCounts> copyBins(List<BinCounts> bins) {
        List<BinCounts> copy = new ArrayList<>(bins.size());
        for (BinCounts b : bins) {
            copy.add(new BinCounts(new ArrayList<>(b.getCounts()), b.getNan()));
        }
        return copy;
    }

    /**
     * Adds {@code partial}'s counts to {@code window} (in place). Both must come from the same
     * profile.
     *
     * @throws IllegalArgumentException when their profiles or bin layouts differ
     */
    public static void merge(DriftCounts window, DriftCounts partial) {
        if (!window.getProfileSha256().equals(partial.getProfileSha256())) {
            throw new IllegalArgumentException(
                    "cannot merge counts of profile " + partial.getProfileSha256()
                            + " into a window of profile " + window.getProfileSha256());
        }
        mergeBins(window.getFeatures(), partial.getFeatures());
        mergeBins(window.getScores(), partial.getScores());
        TreeSet<Integer> subtasks = new TreeSet<>(window.getSubtasks());
        subtasks.addAll(partial.getSubtasks());
        window.setSubtasks(new ArrayList<>(subtasks));
        window.setEvents(window.getEvents() + partial.getEvents());
        window.setLabeled(window.getLabeled() + partial.getLabeled());
        window.setCorrect(window.getCorrect() + partial.getCorrect());
        window.setLogLossSum(window.getLogLossSum() + partial.getLogLossSum());
        window.setAbsoluteErrorSum(window.getAbsoluteErrorSum() + partial.getAbsoluteErrorSum());
        window.setFirstAt(Math.min(window.getFirstAt(), partial.getFirstAt()));
        window.setLastAt(Math.max(window.getLastAt(), partial.getLastAt()));
    }

    private static void mergeBins(List<BinCounts> into, List<BinCounts> from) {
        if (into.size() != from.size()) {
            throw new IllegalArgumentException(
                    "cannot merge counts of " + from.size() + " columns into " + into.size());
        }
        for (int i = 0; i < into.size(); i++) {
            List<Long> a = into.get(i).getCounts();
            List<Long> b = from.get(i).getCounts();
            if (a.size() != b.size()) {
                throw new IllegalArgumentException(
                        "column " + i + ": cannot merge " + b.size() + " bins into " + a.size());
            }
            for (int j = 0; j < a.size(); j++) {
                a.set(j, a.get(j) + b.get(j));
            }
            into.get(i).setNan(into.get(i).getNan() + from.get(i).getNan());
        }
    }

    /** The report of the {@code number}th window of a version, its counts in {@code window}. */
    public static DriftReport report(
            DriftCounts window,
            ReferenceProfile profile,
            long number,
            DriftWindowClose closedBy,
            DriftThresholds thresholds,
            long now) {
        List<DriftValue> features =
                values(profile.features(), window.getFeatures(), thresholds);
        List<DriftValue> scores = values(profile.scores(), window.getScores(), thresholds);
        int drifted = 0;
        int major = 0;
        double maxPsi = Double.NaN;
        String maxPsiFeature = null;
        for (DriftValue v : features) {
            if (v.getFlag() != DriftFlag.STABLE) {
                drifted++;
            }
            if (v.getFlag() == DriftFlag.MAJOR) {
                major++;
            }
            if (!Double.isNaN(v.getPsi()) && (Double.isNaN(maxPsi) || v.getPsi() > maxPsi)) {
                maxPsi = v.getPsi();
                maxPsiFeature = v.getName();
            }
        }
        return DriftReport.newBuilder()
                .setModel(window.getModel())
                .setModelVersion(window.getModelVersion())
                .setWindow(number)
                .setWindowStart(Instant.ofEpochMilli(window.getFirstAt()))
                .setWindowEnd(Instant.ofEpochMilli(window.getLastAt()))
                .setClosedBy(closedBy)
                .setEvents(window.getEvents())
                .setSubtasks(window.getSubtasks().size())
                .setProfileRows(profile.rowCount())
                .setFeatures(features)
                .setScores(scores)
                .setDriftedFeatures(drifted)
                .setMajorFeatures(major)
                .setDriftedShare(features.isEmpty() ? 0 : (double) drifted / features.size())
                .setMaxPsi(maxPsi)
                .setMaxPsiFeature(maxPsiFeature)
                .setScorePsi(scores.isEmpty() ? null : scores.get(0).getPsi())
                .setModerateThreshold(thresholds.moderate())
                .setMajorThreshold(thresholds.major())
                .setReportedAt(Instant.ofEpochMilli(now))
                .setLabeled(window.getLabeled())
                .setAccuracy(mean(window.getCorrect(), window.getLabeled()))
                .setLogLoss(mean(window.getLogLossSum(), window.getLabeled()))
                .setAbsoluteError(mean(window.getAbsoluteErrorSum(), window.getLabeled()))
                .build();
    }

    private static Double mean(double sum, long n) {
        return n == 0 ? null : sum / n;
    }

    private static List<DriftValue> values(
            List<FeatureProfile> profiles, List<BinCounts> counts, DriftThresholds thresholds) {
        if (profiles.size() != counts.size()) {
            throw new IllegalArgumentException(
                    "the profile has " + profiles.size() + " columns, the counts "
                            + counts.size());
        }
        List<DriftValue> values = new ArrayList<>(profiles.size());
        for (int i = 0; i < profiles.size(); i++) {
            FeatureProfile p = profiles.get(i);
            BinCounts c = counts.get(i);
            long[] observed = new long[c.getCounts().size()];
            long binned = 0;
            for (int j = 0; j < observed.length; j++) {
                observed[j] = c.getCounts().get(j);
                binned += observed[j];
            }
            double[] expected = p.proportions();
            double psi = DriftStatistics.psi(expected, observed);
            long total = binned + c.getNan();
            DriftBand band = thresholds.band(psi);
            values.add(
                    DriftValue.newBuilder()
                            .setName(p.name())
                            .setCount(binned)
                            .setNanRate(total == 0 ? 0 : (double) c.getNan() / total)
                            .setReferenceNanRate(p.nanRate())
                            .setPsi(psi)
                            .setJensenShannon(DriftStatistics.jensenShannon(expected, observed))
                            .setKs(DriftStatistics.ks(expected, observed))
                            .setFlag(DriftFlag.valueOf(band.name()))
                            .build());
        }
        return values;
    }
}
