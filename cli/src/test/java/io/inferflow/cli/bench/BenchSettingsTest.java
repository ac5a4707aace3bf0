package io.inferflow.cli.bench;

import io.inferflow.model.RuntimeSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BenchSettingsTest {

    private static BenchSettings settings(Long events, int batchSize, Double rate) {
        return new BenchSettings(
                List.of("small"), events, batchSize, 2, rate, 10, Duration.ofMillis(500),
                EnumSet.allOf(BenchConfig.class), "pipeline bench", 0,
                RuntimeSettings.Device.CPU, 50);
    }

    @Test
    void picksHalfTheSlowestThroughputCappedAndRoundedDown() {
        BenchSettings auto = settings(null, 64, null);
        assertEquals(2000, auto.latencyRateFor(40_000));
        assertEquals(1200, auto.latencyRateFor(2_437));
        assertEquals(50, auto.latencyRateFor(20));
        assertEquals(750, settings(null, 64, 750.0).latencyRateFor(40_000));
    }

    @Test
    void usesTheModelDefaultUnlessEventsAreGiven() {
        assertEquals(50_000, settings(null, 64, null).eventsFor(50_000));
        assertEquals(1_000, settings(1_000L, 64, null).eventsFor(50_000));
    }

    @Test
    void rejectsBadValuesNamingTheOption() {
        assertEquals(
                "--batch-size must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> settings(null, 0, null))
                        .getMessage());
        assertEquals(
                "--events must be at least --parallelism (2), got 1",
                assertThrows(IllegalArgumentException.class, () -> settings(1L, 64, null))
                        .getMessage());
        assertEquals(
                "--latency-rate must be in (0, 1000000] events/s, got -5.0",
                assertThrows(IllegalArgumentException.class, () -> settings(null, 64, -5.0))
                        .getMessage());
    }

    @Test
    void parsesOnlyListsAndNamesUnknownConfigurations() {
        assertEquals(
                Set.of(BenchConfig.RAW, BenchConfig.BATCHED),
                BenchConfig.parseList(List.of("raw,batched")));
        assertEquals(
                Set.of(BenchConfig.PER_RECORD, BenchConfig.PASSTHROUGH),
                BenchConfig.parseList(List.of("per-record", " passthrough ")));
        assertEquals(
                "unknown configuration 'batch', expected one of raw, passthrough, per-record,"
                        + " batched, bare, observed, canary, shadow",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> BenchConfig.parseList(List.of("raw,batch")))
                        .getMessage());
    }
}
