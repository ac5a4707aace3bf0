package io.inferflow.model.profile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BinCounterTest {

    @Test
    void binsAreLeftClosedAndTheOuterBinsOpenEnded() {
        BinCounter counter = new BinCounter(new double[] {-1, 0, 2.5});
        assertEquals(0, counter.binOf(-1e30));
        assertEquals(0, counter.binOf(-1.0001));
        assertEquals(1, counter.binOf(-1));
        assertEquals(1, counter.binOf(-0.5));
        assertEquals(2, counter.binOf(0));
        assertEquals(2, counter.binOf(2.4999));
        assertEquals(3, counter.binOf(2.5));
        assertEquals(3, counter.binOf(Double.POSITIVE_INFINITY));
        assertEquals(0, counter.binOf(Double.NEGATIVE_INFINITY));
    }

    @Test
    void countsNaNSeparately() {
        BinCounter counter = new BinCounter(new double[] {0});
        counter.addAll(new float[] {-1, 1, 2, Float.NaN, Float.NaN});
        assertArrayEquals(new long[] {1, 2}, counter.counts());
        assertEquals(2, counter.nanCount());
        assertEquals(3, counter.binned());
        assertEquals(5, counter.total());
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0}, counter.proportions(), 1e-12);
    }

    @Test
    void mergesCountersOfTheSameBins() {
        BinCounter a = new BinCounter(new double[] {0, 1});
        BinCounter b = new BinCounter(new double[] {0, 1});
        a.addAll(new double[] {-1, 0.5, 0.5});
        b.addAll(new double[] {5, Double.NaN, -3});
        a.merge(b);
        assertArrayEquals(new long[] {2, 2, 1}, a.counts());
        assertEquals(1, a.nanCount());
        assertArrayEquals(new long[] {1, 0, 1}, b.counts(), "the argument is left alone");
    }

    @Test
    void refusesToMergeCountersOfDifferentBins() {
        BinCounter a = new BinCounter(new double[] {0, 1});
        BinCounter b = new BinCounter(new double[] {0, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.merge(b));
        assertEquals(
                "cannot merge counters with different edges: [0.0, 1.0] and [0.0, 2.0]",
                e.getMessage());
    }

    @Test
    void rejectsEdgesThatDoNotIncrease() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new BinCounter(new double[] {1, 1}));
        assertTrue(e.getMessage().contains("[1.0, 1.0]"), e.getMessage());
    }

    @Test
    void scanAndBinarySearchAgreeWithCountingTheEdgesAtOrBelow() {
        java.util.Random random = new java.util.Random(3);
        int scanLimit = BinCounter.LINEAR_SCAN_EDGES;
        for (int n : new int[] {1, 9, scanLimit, scanLimit + 1, 99}) {
            double[] edges = new double[n];
            for (int i = 0; i < n; i++) {
                edges[i] = -2 + 4.0 * i / n;
            }
            BinCounter counter = new BinCounter(edges);
            for (int k = 0; k < 10_000; k++) {
                // Values on the edges themselves, too.
                double v = k % 10 == 0 ? edges[random.nextInt(n)] : 3 * random.nextGaussian();
                int expected = 0;
                for (double e : edges) {
                    expected += e <= v ? 1 : 0;
                }
                assertEquals(expected, counter.binOf(v), n + " edges, value " + v);
            }
        }
    }
}
