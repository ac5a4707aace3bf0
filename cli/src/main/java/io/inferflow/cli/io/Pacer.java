package io.inferflow.cli.io;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Spreads events evenly over time at a target rate, catching up after stalls. */
public final class Pacer {

    private final double ratePerSecond;
    private final long start = System.nanoTime();
    private long count;

    /** {@code ratePerSecond <= 0} means as fast as possible. */
    public Pacer(double ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
    }

    /** Blocks until the next event is due. */
    public void awaitNext() {
        if (ratePerSecond <= 0) {
            return;
        }
        long due = start + (long) (count++ * TimeUnit.SECONDS.toNanos(1) / ratePerSecond);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
