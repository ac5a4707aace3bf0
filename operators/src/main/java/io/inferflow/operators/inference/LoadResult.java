package io.inferflow.operators.inference;

import io.inferflow.operators.drift.DriftCounter;
import io.inferflow.schemas.avro.ModelControl;

/**
 * The outcome of loading the version a control record names: a handle, or the reason it was
 * rejected ({@code "SHA256_MISMATCH: expected ..., got ..."}), plus the version's drift counter
 * when it has a reference profile. Handed from the loader thread to the task thread.
 */
record LoadResult(
        ModelControl control,
        ModelHandle handle,
        long millis,
        String failure,
        DriftCounter drift,
        String driftProblem) {

    static LoadResult loaded(ModelControl control, ModelHandle handle, long millis) {
        return new LoadResult(control, handle, millis, null, null, null);
    }

    static LoadResult failed(ModelControl control, String failure, long millis) {
        return new LoadResult(control, null, millis, failure, null, null);
    }

    /**
     * This result with its drift counter, or with why the version's reference profile was not
     * used (the version still serves, without drift detection).
     */
    LoadResult withDrift(DriftCounter counter, String problem) {
        return new LoadResult(control, handle, millis, failure, counter, problem);
    }

    boolean ok() {
        return handle != null;
    }

    /** Closes the handle of a result nobody will install. */
    void discard() {
        if (handle != null) {
            handle.close();
        }
    }
}
