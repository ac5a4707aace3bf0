package io.inferflow.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a soak says about a long life beyond its samples: whether every event of the demo
 * producer came out as a prediction once (lost and repeated, under {@code read_committed}), and
 * with {@code --push-every}, how each push went, whether the pushes left ONNX Runtime sessions
 * behind (versions of the model that still have metrics; RSS over the pushes), and how fast the
 * control and status topics grow.
 */
public final class SoakLifetime {

    /** Events of the last this many seconds are not judged: they may still be in flight. */
    public static final int TAIL_SECONDS = 30;

    /** Versions of the demo model with live sessions at once: the stable, a candidate, one more in a swap. */
    public static final int MAX_LIVE_VERSIONS = 3;

    private final long judged;
    private final long lost;
    private final long repeated;
    private final long predictions;
    private final List<SoakPusher.Push> pushes;
    private final long[] control;
    private final long[] status;
    private final double hours;

    private SoakLifetime(long judged, long lost, long repeated, long predictions,
            List<SoakPusher.Push> pushes, long[] control, long[] status, double hours) {
        this.judged = judged;
        this.lost = lost;
        this.repeated = repeated;
        this.predictions = predictions;
        this.pushes = pushes;
        this.control = control;
        this.status = status;
        this.hours = hours;
    }

    public static SoakLifetime of(SoakRun run, SoakSettings settings) {
        long tail = (long) (settings.rate() * TAIL_SECONDS);
        EventLedger ledger = run.ledger();
        return new SoakLifetime(ledger.judged(tail), ledger.lost(tail), ledger.repeated(),
                ledger.predictions(), run.pushes(), run.controlRecords(), run.statusRecords(),
                settings.duration().toSeconds() / 3600.0);
    }

    /** Lines for the console. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "events: %,d predictions read; of the %,d events"
                        + " before the last %d s, %,d never came out, %,d came out more than once",
                predictions, judged, TAIL_SECONDS, lost, repeated));
        if (!pushes.isEmpty()) {
            long canaries = pushes.stream().filter(SoakPusher.Push::canary).count();
            long active = pushes.stream().filter(SoakPusher.Push::active).count();
            double maxActive = pushes.stream().mapToDouble(SoakPusher.Push::activeSeconds)
                    .max().orElse(0);
            double meanActive = pushes.stream().mapToDouble(SoakPusher.Push::activeSeconds)
                    .average().orElse(0);
            int maxLive = pushes.stream().mapToInt(SoakPusher.Push::liveVersions).max()
                    .orElse(-1);
            lines.add(String.format(Locale.ROOT, "pushes: %d (%d as canaries), %d ACTIVE on"
                            + " every subtask, in %.1f s on average, %.1f s at most; versions"
                            + " with live sessions at most %d", pushes.size(), canaries, active,
                    meanActive, maxActive, maxLive));
            lines.add(String.format(Locale.ROOT, "RSS over the pushes: %s at the first, %s at"
                            + " the last, slope %+.2f MiB per push",
                    SoakTable.bytes(pushes.get(0).rssBytes()),
                    SoakTable.bytes(pushes.get(pushes.size() - 1).rssBytes()),
                    rssSlopePerPush() / (1 << 20)));
        }
        if (control[0] >= 0 && control[1] >= 0) {
            lines.add(String.format(Locale.ROOT, "topics: model-control +%,d records (%,.0f an"
                            + " hour), model-status +%,d records (%,.0f an hour)",
                    control[1] - control[0], (control[1] - control[0]) / hours,
                    status[1] - status[0], (status[1] - status[0]) / hours));
        }
        return lines;
    }

    /** Each broken rule, a line. */
    public List<String> failures() {
        List<String> failures = new ArrayList<>();
        if (lost > 0) {
            failures.add(String.format(Locale.ROOT, "%,d of %,d events never came out as"
                    + " predictions", lost, judged));
        }
        if (repeated > 0) {
            failures.add(String.format(Locale.ROOT, "%,d predictions repeat an event", repeated));
        }
        for (SoakPusher.Push p : pushes) {
            if (!p.active()) {
                failures.add(String.format(Locale.ROOT, "the push of v%d at %s was not ACTIVE on"
                        + " every subtask: %s", p.version(), SoakTable.clock(p.atSeconds()),
                        p.reason()));
            }
            if (p.liveVersions() > MAX_LIVE_VERSIONS) {
                failures.add(String.format(Locale.ROOT, "after the push of v%d at %s, %d versions"
                                + " still had live sessions (at most %d): old sessions are not"
                                + " released", p.version(), SoakTable.clock(p.atSeconds()),
                        p.liveVersions(), MAX_LIVE_VERSIONS));
            }
        }
        return failures;
    }

    /** Least-squares slope of RSS over push number, bytes per push; 0 with fewer than 2. */
    double rssSlopePerPush() {
        int n = pushes.size();
        if (n < 2) {
            return 0;
        }
        double mx = (n - 1) / 2.0;
        double my = pushes.stream().mapToLong(SoakPusher.Push::rssBytes).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (i - mx) * (pushes.get(i).rssBytes() - my);
            sxx += (i - mx) * (i - mx);
        }
        return sxy / sxx;
    }

    /** The JSON form, for soak.json. */
    public ObjectNode json() {
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("predictions", predictions);
        node.put("events_judged", judged);
        node.put("events_lost", lost);
        node.put("predictions_repeated", repeated);
        node.put("tail_s", TAIL_SECONDS);
        node.put("control_records_added", control[1] - control[0]);
        node.put("status_records_added", status[1] - status[0]);
        if (!pushes.isEmpty()) {
            node.put("rss_slope_bytes_per_push", Math.round(rssSlopePerPush()));
            ArrayNode rows = node.putArray("pushes");
            for (SoakPusher.Push p : pushes) {
                ObjectNode row = rows.addObject();
                row.put("at_s", Math.round(p.atSeconds()));
                row.put("version", p.version());
                row.put("canary", p.canary());
                row.put("active", p.active());
                row.put("active_s", Math.round(p.activeSeconds() * 10) / 10.0);
                row.put("rss_bytes", p.rssBytes());
                row.put("live_versions", p.liveVersions());
                if (p.reason() != null) {
                    row.put("reason", p.reason());
                }
            }
        }
        return node;
    }
}
