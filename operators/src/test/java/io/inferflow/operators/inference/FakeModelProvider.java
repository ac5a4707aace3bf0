package io.inferflow.operators.inference;

import io.inferflow.model.ExecutionProvider;
import io.inferflow.model.LoadFailure;
import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.ModelException;
import io.inferflow.model.Scorer;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fake models that multiply every feature by 2 (output width = input width) and remember the
 * batches they saw. A row holding {@link #FAIL} makes the whole call fail, as a broken model
 * would. Loads can be made to block until released, or to fail with a reason; the provider
 * records every acquire and counts open handles. Used on the operator instance directly (the
 * harness does not serialize it), from the task thread and the loader thread.
 */
final class FakeModelProvider implements ModelProvider {

    private static final long serialVersionUID = 1L;

    /** A feature value that makes {@link FakeScorer#score} throw. */
    static final float FAIL = -999f;

    private final HashMap<String, Integer> widths;
    private final transient Map<String, CountDownLatch> blocked = new ConcurrentHashMap<>();
    private final transient Map<String, ModelException> failures = new ConcurrentHashMap<>();
    private final transient Map<String, ExecutionProvider> providers = new ConcurrentHashMap<>();
    private final transient Map<String, String> cudaFallbacks = new ConcurrentHashMap<>();
    private final transient List<ModelDescriptor> acquired = new CopyOnWriteArrayList<>();
    private final transient List<FakeScorer> created = new CopyOnWriteArrayList<>();
    private final transient AtomicInteger openHandles = new AtomicInteger();
    private final transient java.util.Set<String> uninterruptible =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    FakeModelProvider(Map<String, Integer> widths) {
        this.widths = new HashMap<>(widths);
    }

    /** Loads of {@code name} v{@code version} wait until {@link #release} is called. */
    FakeModelProvider block(String name, long version) {
        blocked.put(key(name, version), new CountDownLatch(1));
        return this;
    }

    /**
     * Like {@link #block}, and the load does not heed interrupts (as ONNX Runtime's session
     * creation does not): it finishes once released, even after the operator closed.
     */
    FakeModelProvider blockUninterruptibly(String name, long version) {
        uninterruptible.add(key(name, version));
        return block(name, version);
    }

    void release(String name, long version) {
        blocked.get(key(name, version)).countDown();
    }

    /** What scorers of a version return: {@link Output#DOUBLE} unless told otherwise. */
    enum Output {
        /** Every feature times 2. */
        DOUBLE,
        /** Every call fails, as a broken model would. */
        FAILS,
        /** NaN for every value. */
        NAN,
        /** Every feature times 3: decides like {@link #DOUBLE} above 0. */
        TRIPLE
    }

    private final transient Map<String, Output> outputs = new ConcurrentHashMap<>();

    /** Scorers of {@code name} v{@code version} return {@code output}. */
    FakeModelProvider scoreAs(String name, long version, Output output) {
        outputs.put(key(name, version), output);
        return this;
    }

    /** Loads of {@code name} v{@code version} fail with {@code reason} and {@code message}. */
    FakeModelProvider fail(String name, long version, LoadFailure reason, String message) {
        failures.put(key(name, version), new ModelException(reason, message));
        return this;
    }

    /**
     * Scorers of {@code name} v{@code version} say they run on {@code provider}, having fallen
     * back from CUDA for {@code cudaFallback} (null: no fallback). Default: CPU, no fallback.
     */
    FakeModelProvider runOn(
            String name, long version, ExecutionProvider provider, String cudaFallback) {
        providers.put(key(name, version), provider);
        if (cudaFallback != null) {
            cudaFallbacks.put(key(name, version), cudaFallback);
        }
        return this;
    }

    @Override
    public ModelHandle acquire(ModelDescriptor d) throws ModelException {
        acquired.add(d);
        CountDownLatch latch = blocked.get(key(d.name(), d.version()));
        if (latch != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    if (!latch.await(30, TimeUnit.SECONDS)) {
                        throw new AssertionError("load of " + d + " was never released");
                    }
                    break;
                } catch (InterruptedException e) {
                    if (!uninterruptible.contains(key(d.name(), d.version()))) {
                        Thread.currentThread().interrupt();
                        throw new ModelException(
                                LoadFailure.FETCH_FAILED, "interrupted loading " + d);
                    }
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        ModelException failure = failures.get(key(d.name(), d.version()));
        if (failure != null) {
            throw failure;
        }
        Integer width = widths.get(d.name());
        if (width == null) {
            throw new ModelException(LoadFailure.FETCH_FAILED, "no file at '" + d.uri() + "'");
        }
        FakeScorer scorer =
                new FakeScorer(
                        d,
                        width,
                        providers.getOrDefault(key(d.name(), d.version()), ExecutionProvider.CPU),
                        cudaFallbacks.get(key(d.name(), d.version())),
                        outputs.getOrDefault(key(d.name(), d.version()), Output.DOUBLE));
        created.add(scorer);
        openHandles.incrementAndGet();
        return new ModelHandle() {
            @Override
            public Scorer scorer() {
                return scorer;
            }

            @Override
            public long loadMillis() {
                return 3;
            }

            @Override
            public void close() {
                if (!scorer.closed) {
                    scorer.closed = true;
                    openHandles.decrementAndGet();
                }
            }
        };
    }

    List<ModelDescriptor> acquired() {
        return acquired;
    }

    List<FakeScorer> created() {
        return created;
    }

    int openHandles() {
        return openHandles.get();
    }

    /** The first scorer made for {@code model}. */
    FakeScorer scorer(String model) {
        return created.stream()
                .filter(s -> s.descriptor.name().equals(model))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no scorer for " + model));
    }

    private static String key(String name, long version) {
        return name + ":" + version;
    }

    static final class FakeScorer implements Scorer {

        final ModelDescriptor descriptor;
        final int width;
        final ExecutionProvider provider;
        final String cudaFallback;
        final Output output;
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        FakeScorer(
                ModelDescriptor descriptor,
                int width,
                ExecutionProvider provider,
                String cudaFallback,
                Output output) {
            this.output = output;
            this.descriptor = descriptor;
            this.width = width;
            this.provider = provider;
            this.cudaFallback = cudaFallback;
        }

        @Override
        public ExecutionProvider executionProvider() {
            return provider;
        }

        @Override
        public String cudaFallback() {
            return cudaFallback;
        }

        @Override
        public int inputWidth() {
            return width;
        }

        @Override
        public int outputWidth() {
            return width;
        }

        @Override
        public float[] score(FloatBuffer input, int rows) throws ModelException {
            if (!input.isDirect()) {
                throw new AssertionError("the operator must hand over a direct buffer");
            }
            if (closed) {
                throw new AssertionError(descriptor + " scored after close");
            }
            if (output == Output.FAILS) {
                throw new ModelException(LoadFailure.RUN_FAILED, descriptor + " always fails");
            }
            float[] out = new float[rows * width];
            for (int i = 0; i < out.length; i++) {
                float v = input.get(i);
                if (v == FAIL) {
                    throw new ModelException(
                            LoadFailure.RUN_FAILED, "cannot score row " + i / width);
                }
                out[i] = output == Output.NAN ? Float.NaN
                        : output == Output.TRIPLE ? 3 * v : 2 * v;
            }
            batchSizes.add(rows);
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
