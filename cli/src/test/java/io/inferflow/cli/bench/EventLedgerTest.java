package io.inferflow.cli.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventLedgerTest {

    @Test
    void countsGapsBelowTheTailAndRepeats() {
        EventLedger ledger = new EventLedger();
        for (int i = 0; i < 100; i++) {
            if (i != 3 && i != 40 && i != 97) {
                ledger.observe("lq3x9-" + i);
            }
        }
        ledger.observe("lq3x9-5");
        ledger.observe("lq3x9-5");
        ledger.observe("other-run-7");
        ledger.observe("not an id");

        assertEquals(97 + 2 + 2, ledger.predictions());
        assertEquals(2, ledger.repeated());
        assertEquals(1, ledger.foreign());
        // Highest seen: 99; with a tail of 10, 0..89 are judged: 3 and 40 are missing.
        assertEquals(90, ledger.judged(10));
        assertEquals(2, ledger.lost(10));
        // With no tail, 97 is missing too; the other run (0..7) misses 0..6.
        assertEquals(3 + 7, ledger.lost(0));
    }
}
