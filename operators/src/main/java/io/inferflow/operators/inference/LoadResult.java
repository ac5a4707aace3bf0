package io.inferflow.operators.inference;

import io.inferflow.schemas.avro.ModelControl;

/**
 * The outcome of loading the version a control record names: a handle, or the reason it was
 * rejected ({@code "SHA256_MISMATCH: expected ..., got ..."}). Handed from the loader thread to
 * the task thread.
 */
record LoadResult(ModelControl control, ModelHandle handle, long millis, String failure) {

    static LoadResult loaded(ModelControl control, ModelHandle handle, long millis) {
        return new LoadResult(control, handle, millis, null);
    }

    static LoadResult failed(ModelControl control, String failure, long millis) {
        return new LoadResult(control, null, millis, failure);
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
