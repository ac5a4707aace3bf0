package io.inferflow.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ONNX Runtime's process-wide environment, created the first time on a thread with a {@value
 * #THREAD_STACK}-byte stack. ORT 1.29 recurses deeply while creating it when the process's
 * command line is long (it reads {@code /proc/self/cmdline}; a Flink TaskManager's is about 6 KB)
 * and overflows a default 1 MB thread stack with a SIGSEGV that kills the JVM; found by the
 * multi-process cluster check, see docs/testing/failover.md.
 *
 * <p>Static because ONNX Runtime itself keeps one environment per process.
 */
final class OnnxRuntimeEnvironment {

    /** Stack of the thread that first creates ONNX Runtime's environment. */
    static final long THREAD_STACK = 64L * 1024 * 1024;

    private static volatile OrtEnvironment environment;

    private OnnxRuntimeEnvironment() {}

    /** The environment, started on a big-stack thread if this is the first call. */
    static OrtEnvironment get() throws ModelException {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OnnxRuntimeEnvironment.class) {
            if (environment == null) {
                environment = startOnBigStack();
            }
            return environment;
        }
    }

    /** The execution providers this ONNX Runtime build offers. */
    static Set<OrtProvider> availableProviders() throws ModelException {
        get();
        return OrtEnvironment.getAvailableProviders();
    }

    private static OrtEnvironment startOnBigStack() throws ModelException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<OrtEnvironment> created = new AtomicReference<>();
        Thread thread =
                new Thread(
                        null,
                        () -> {
                            try {
                                created.set(OrtEnvironment.getEnvironment());
                                OrtEnvironment.getAvailableProviders();
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        "onnxruntime-init",
                        THREAD_STACK);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException(
                    LoadFailure.NOT_LOADABLE, "interrupted while starting ONNX Runtime", e);
        }
        if (created.get() == null) {
            throw new ModelException(
                    LoadFailure.NOT_LOADABLE,
                    "ONNX Runtime does not start: " + failure.get(),
                    failure.get());
        }
        return created.get();
    }
}
