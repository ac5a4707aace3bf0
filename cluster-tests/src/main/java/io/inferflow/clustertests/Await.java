package io.inferflow.clustertests;

import java.time.Duration;

/**
 * Bounded waits on a condition: poll until it holds or the time is up. The only way the cluster
 * checks wait, so that every wait has a bound and says what it waited for.
 */
final class Await {

    /** A condition that may need I/O to evaluate; an exception counts as "not yet". */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {}

    /** Polls {@code condition} every {@code poll} for at most {@code timeout}; true once it holds. */
    static boolean until(Duration timeout, Duration poll, Condition condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.holds()) {
                    return true;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (IllegalStateException e) {
                // A condition that knows it can never hold (a process died) says so at once.
                throw e;
            } catch (Exception e) {
                // not yet: e.g. a REST server that is still starting
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /**
     * Like {@link #until}, but a timeout is an error naming {@code what}.
     *
     * @throws IllegalStateException {@code "<what> did not happen within <timeout>"}
     */
    static void orFail(String what, Duration timeout, Duration poll, Condition condition)
            throws InterruptedException {
        if (!until(timeout, poll, condition)) {
            throw new IllegalStateException(what + " did not happen within " + timeout);
        }
    }
}
