package io.inferflow.operators.inference;

import io.inferflow.model.Scorer;

/**
 * One user's hold on a loaded model version. Closing the handle releases the hold (and, for the
 * last holder of a shared session, the native memory); it must be idempotent. The scorer must
 * not be used after close.
 */
public interface ModelHandle extends AutoCloseable {

    Scorer scorer();

    /** How long fetching, verifying and warming up took, in milliseconds (0 when shared). */
    long loadMillis();

    @Override
    void close();
}
