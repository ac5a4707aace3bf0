package io.inferflow.cli.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencySummaryTest {

    @Test
    void takesNearestRankPercentilesOfUnsortedValues() {
        double[] values = new double[100];
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 - i; // 100, 99, ..., 1
        }
        LatencySummary s = LatencySummary.of(values);
        assertEquals(100, s.count());
        assertEquals(50, s.p50Ms());
        assertEquals(99, s.p99Ms());
        assertEquals(100, s.maxMs());
    }

    @Test
    void percentilesAreMeasuredValuesForSmallSets() {
        LatencySummary one = LatencySummary.of(new double[] {7});
        assertEquals(7, one.p50Ms());
        assertEquals(7, one.p99Ms());

        LatencySummary three = LatencySummary.of(new double[] {3, 1, 2});
        assertEquals(2, three.p50Ms());
        assertEquals(3, three.p99Ms());

        LatencySummary two = LatencySummary.of(new double[] {10, 20});
        assertEquals(10, two.p50Ms());
        assertEquals(20, two.p99Ms());
    }

    @Test
    void p99IgnoresTheSlowestPercentOnly() {
        double[] values = new double[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = i < 990 ? 1 : 500;
        }
        LatencySummary s = LatencySummary.of(values);
        assertEquals(1, s.p99Ms());
        assertEquals(500, s.maxMs());
    }

    @Test
    void leavesTheInputUnsorted() {
        double[] values = {5, 1, 3};
        LatencySummary.of(values);
        assertArrayEquals(new double[] {5, 1, 3}, values);
    }

    @Test
    void rejectsEmptyInputAndBadPercentiles() {
        IllegalArgumentException empty =
                assertThrows(
                        IllegalArgumentException.class, () -> LatencySummary.of(new double[0]));
        assertTrue(empty.getMessage().contains("no latency values"), empty.getMessage());

        IllegalArgumentException bad =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> LatencySummary.percentile(new double[] {1}, 0));
        assertTrue(bad.getMessage().contains("got 0.0"), bad.getMessage());
    }
}
