package io.inferflow.cli.bench;

import io.inferflow.cli.local.FlinkJobsProbe;
import java.util.Locale;
import java.util.stream.Collectors;

/** The lines a soak run prints: a header, then one line per sample as it is taken. */
final class SoakTable {

    private static final String ROW = "%5s %9s %9s %8s %8s %8s %7s  %s";

    private SoakTable() {}

    static String header() {
        return String.format(Locale.ROOT, ROW, "time", "events/s", "pred/s", "vis p50", "vis p99",
                "heap MB", "RSS MB", "per job: state, last checkpoint size and ms, failed"
                        + " checkpoints, restarts");
    }

    static String line(SoakSample s) {
        String jobs = s.jobs().stream().map(SoakTable::job).collect(Collectors.joining(" | "));
        return String.format(Locale.ROOT, ROW,
                clock(s.elapsedSeconds()),
                number(s.eventsPerSecond()),
                number(s.predictionsPerSecond()),
                s.visible() == null ? "-" : number(s.visible().p50Ms()),
                s.visible() == null ? "-" : number(s.visible().p99Ms()),
                String.format(Locale.ROOT, "%,d", s.heapUsedBytes() >> 20),
                s.rssBytes() < 0 ? "-" : String.format(Locale.ROOT, "%,d", s.rssBytes() >> 20),
                jobs.isEmpty() ? "no jobs" : jobs);
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String job(FlinkJobsProbe.Job j) {
        return String.format(Locale.ROOT, "%s %s %s %s, failed %d, restarts %s",
                j.name(), j.state(),
                j.checkpointBytes() == null ? "-" : bytes(j.checkpointBytes()),
                j.checkpointMillis() == null ? "-" : j.checkpointMillis() + " ms",
                j.failedCheckpoints(), j.restarts() < 0 ? "?" : j.restarts());
    }

    /** {@code mm:ss} (or {@code h:mm:ss}) of a run's elapsed seconds. */
    static String clock(double elapsedSeconds) {
        long s = Math.round(elapsedSeconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    /** Bytes in B, KB, MB or GB (powers of 1024), three significant digits or so. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int unit = -1;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s",
                v, units[unit]);
    }
}
