package io.inferflow.cli.bench;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which of the demo producer's events came out as predictions, and how often: its event ids are
 * {@code RUN-SEQ} with SEQ counting up from 0 in each run, so a gap is an event lost and a second
 * sighting a repeat. Events of the last {@code tail} sequence numbers are not judged: they may
 * still be on their way when the run ends.
 */
final class EventLedger {

    private static final class Run {
        final BitSet seen = new BitSet();
        long max = -1;
    }

    private final Map<String, Run> runs = new LinkedHashMap<>();
    private long predictions;
    private long repeated;
    private long foreign;

    /** Notes one prediction's event id. */
    void observe(String eventId) {
        predictions++;
        int dash = eventId.lastIndexOf('-');
        long seq;
        try {
            seq = dash < 0 ? -1 : Long.parseLong(eventId.substring(dash + 1));
        } catch (NumberFormatException e) {
            seq = -1;
        }
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            foreign++;
            return;
        }
        Run run = runs.computeIfAbsent(eventId.substring(0, dash), k -> new Run());
        if (run.seen.get((int) seq)) {
            repeated++;
        } else {
            run.seen.set((int) seq);
        }
        run.max = Math.max(run.max, seq);
    }

    /** Predictions noted. */
    long predictions() {
        return predictions;
    }

    /** Predictions of an event id seen before. */
    long repeated() {
        return repeated;
    }

    /** Predictions whose event id is not the demo producer's. */
    long foreign() {
        return foreign;
    }

    /** Sequence numbers below each run's highest seen minus {@code tail} that never came. */
    long lost(long tail) {
        long lost = 0;
        for (Run run : runs.values()) {
            long judged = run.max - tail;
            if (judged < 0) {
                continue;
            }
            lost += judged + 1 - run.seen.get(0, (int) judged + 1).cardinality();
        }
        return lost;
    }

    /** Events judged: below each run's highest seen minus {@code tail}. */
    long judged(long tail) {
        return runs.values().stream().mapToLong(r -> Math.max(0, r.max - tail + 1)).sum();
    }
}
