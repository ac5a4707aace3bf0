package io.inferflow.model;

import java.io.Serializable;

/** How ONNX Runtime sessions are created: thread counts and graph optimization. */
public final class RuntimeOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int intraOpThreads;

    private RuntimeOptions(int intraOpThreads) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException(
                    "intra-op threads must be at least 1, got " + intraOpThreads);
        }
        this.intraOpThreads = intraOpThreads;
    }

    public static RuntimeOptions defaults() {
        return new RuntimeOptions(1);
    }

    public static RuntimeOptions withIntraOpThreads(int threads) {
        return new RuntimeOptions(threads);
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    @Override
    public String toString() {
        return "RuntimeOptions{intraOpThreads=" + intraOpThreads + '}';
    }
}
