package io.inferflow.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The environment holder hands every caller ONNX Runtime's one environment. That it starts it on
 * a big stack is {@link OrtEnvironmentStackTest}'s part: only a child JVM with a long command line
 * shows it.
 */
class OnnxRuntimeEnvironmentTest {

    @Test
    void everyThreadGetsTheSameEnvironment() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<OrtEnvironment>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(OnnxRuntimeEnvironment::get);
            }
            OrtEnvironment first = OnnxRuntimeEnvironment.get();
            for (Future<OrtEnvironment> env : pool.invokeAll(calls)) {
                assertSame(first, env.get());
            }
            assertSame(OrtEnvironment.getEnvironment(), first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void offersTheCpuProvider() throws Exception {
        assertTrue(OnnxRuntimeEnvironment.availableProviders().contains(OrtProvider.CPU),
                OnnxRuntimeEnvironment.availableProviders().toString());
    }
}
