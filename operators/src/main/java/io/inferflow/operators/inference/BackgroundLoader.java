package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.ModelException;
import io.inferflow.model.ModelSignature;
import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.drift.DriftCounter;
import io.inferflow.operators.drift.DriftProfiles;
import io.inferflow.schemas.avro.ModelControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Loads model versions for the inference operator off the task thread: owns the background thread
 * {@code model-loader-<subtask>} that acquires each version from the {@link ModelProvider} (with
 * its drift counter) and the queue of loads it has finished. Loads run here; their results are
 * only taken, and installed, by the task thread. (Not to be confused with {@link
 * io.inferflow.model.ModelLoader}, which fetches and verifies one model file.)
 */
final class BackgroundLoader {

    // The operator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchInferenceOperator.class);

    private final ModelProvider provider;
    private final Duration timeout;
    private final boolean drift;
    private final ExecutorService executor;
    private final BlockingQueue<LoadResult> completed = new LinkedBlockingQueue<>();
    /** Set by {@link #stop()}: a load finishing after it is released at once. */
    private boolean stopped;
    /** Runs an action on the task thread (a mail of the operator's mailbox). */
    private final Consumer<Runnable> taskThread;
    /** What the task thread does when a load is handed over: take and install them. */
    private volatile Runnable onFinished = () -> {};

    /**
     * Starts the loader thread {@code model-loader-<subtask>}.
     *
     * @param drift whether to read the reference profiles of loaded versions
     * @param taskThread hands an action to the task thread: the operator's mailbox, so that a
     *     finished load is installed between two records without the record path polling
     */
    BackgroundLoader(ModelProvider provider, Duration timeout, int subtask, boolean drift,
            Consumer<Runnable> taskThread) {
        this.provider = provider;
        this.taskThread = taskThread;
        this.timeout = timeout;
        this.drift = drift;
        this.executor =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "model-loader-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** What the task thread runs after each hand-over (it takes the results with {@link #poll()}). */
    void onFinished(Runnable action) {
        this.onFinished = action;
    }

    /**
     * Loads on the loader thread; the result is queued for {@link #poll()} and the task thread is
     * told through its mailbox.
     */
    void submit(ModelControl control, ModelDescriptor descriptor) {
        executor.execute(() -> hand(load(control, descriptor)));
    }

    /**
     * Queues a finished load for the task thread, or releases it when the loader has stopped:
     * a load that outlives the operator (a session creation does not heed interrupts) must not
     * keep its session, and its native memory, in the TaskManager.
     */
    private void hand(LoadResult result) {
        synchronized (completed) {
            if (!stopped) {
                completed.add(result);
                try {
                    taskThread.accept(onFinished);
                } catch (RejectedExecutionException e) {
                    // The mailbox is closed: the task is ending; stop() releases the result.
                }
                return;
            }
        }
        LOG.info("releasing {} v{}: its load finished after the operator closed",
                result.control().getName(), result.control().getVersion());
        result.discard();
    }

    /** Loads on the calling thread: at restore, before anything is scored. */
    LoadResult loadNow(ModelControl control) {
        try {
            return load(control, ModelControls.descriptor(control));
        } catch (IllegalArgumentException e) {
            return LoadResult.failed(control, "INVALID_CONTROL: " + e.getMessage(), 0L);
        }
    }

    private LoadResult load(ModelControl control, ModelDescriptor descriptor) {
        long start = System.nanoTime();
        try {
            ModelHandle handle = provider.acquire(descriptor);
            return withProfile(LoadResult.loaded(control, handle, millisSince(start)));
        } catch (ModelException e) {
            return LoadResult.failed(
                    control, e.reason() + ": " + e.getMessage(), millisSince(start));
        } catch (RuntimeException e) {
            // A provider bug must not kill the loader thread: the version is rejected with it.
            return LoadResult.failed(control, "LOAD_FAILED: " + e, millisSince(start));
        }
    }

    /**
     * Adds the drift counter of the version's reference profile; a profile that cannot be used
     * leaves the version serving without drift detection, with the reason in the result.
     */
    private LoadResult withProfile(LoadResult loaded) {
        ModelControl control = loaded.control();
        if (!drift || !DriftProfiles.hasProfile(control)) {
            return loaded;
        }
        try {
            DriftCounter counter =
                    DriftProfiles.counter(
                            control,
                            driftWidth(loaded.handle().scorer()),
                            loaded.handle().scorer().outputWidth(),
                            provider::fetch);
            return loaded.withDrift(counter, null);
        } catch (RuntimeException e) {
            return loaded.withDrift(null, "PROFILE_REJECTED: " + e.getMessage());
        }
    }

    /** The values per row drift counts: the numeric inputs' (all of a flat model's). */
    static int driftWidth(Scorer scorer) {
        ModelSignature signature = scorer.signature();
        return signature == null ? scorer.inputWidth() : signature.numericWidth();
    }

    /** A finished load, or null when none is waiting. */
    LoadResult poll() {
        return completed.poll();
    }

    /** A finished load, waiting at most {@code nanos} for one; null when none came. */
    LoadResult poll(long nanos) throws InterruptedException {
        return completed.poll(nanos, TimeUnit.NANOSECONDS);
    }

    /** Loads finished and not yet taken. */
    int finished() {
        return completed.size();
    }

    /**
     * Stops the thread (waiting at most the load timeout) and closes results nobody took; a load
     * still running then is released when it finishes.
     */
    void stop() throws InterruptedException {
        synchronized (completed) {
            stopped = true;
        }
        executor.shutdownNow();
        if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("the model loader thread did not stop within {} ms", timeout.toMillis());
        }
        LoadResult result;
        while ((result = completed.poll()) != null) {
            result.discard();
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
