package io.inferflow.cli.bench;

import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ONNX Runtime ceiling: P threads share one session (as the slots of a TaskManager do) and
 * each scores batches of B rows from a direct buffer, with one intra-op thread as in the job.
 * No Kafka, no Avro, no Flink: what inference alone can do on this machine.
 */
final class RawOnnxBench {

    private static final int WARM_UP_BATCHES = 20;

    /** Shortest timed run, so that cheap models give stable numbers and a meaningful p99. */
    static final Duration MIN_DURATION = Duration.ofSeconds(2);

    private final int batchSize;
    private final int threads;
    private final RuntimeSettings.Device device;

    RawOnnxBench(int batchSize, int threads, RuntimeSettings.Device device) {
        this.batchSize = batchSize;
        this.threads = threads;
        this.device = device;
    }

    /**
     * Scores at least {@code events} rows (whole batches, at least one per thread) and keeps
     * going until {@link #MIN_DURATION} has passed.
     */
    BenchResult run(BenchModel model, long events) throws IOException, ModelException {
        long batchesPerThread = Math.max(1, events / ((long) batchSize * threads));
        try (OnnxModel onnx =
                        OnnxModel.load(
                                model.name(), Files.readAllBytes(model.file()),
                                RuntimeSettings.withIntraOpThreads(1).withDevice(device, 0));
                Workers workers = new Workers(threads)) {
            List<Future<double[]>> futures = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                FloatBuffer rows = randomRows(model.width(), t);
                futures.add(
                        workers.pool.submit(
                                () -> score(onnx, rows, batchesPerThread, ready, start)));
            }
            ready.await();
            long begin = System.nanoTime();
            start.countDown();
            List<double[]> perThread = new ArrayList<>();
            for (Future<double[]> f : futures) {
                perThread.add(f.get());
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            double[] all = perThread.stream().flatMapToDouble(Arrays::stream).toArray();
            long rows = (long) all.length * batchSize;
            return new BenchResult(
                    model.name(), BenchConfig.RAW, rows, rows / seconds,
                    LatencySummary.of(all), null, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelException) {
                throw (ModelException) e.getCause();
            }
            throw new IllegalStateException("raw ONNX Runtime run failed", e.getCause());
        }
    }

    /** Warms up, waits for the start signal, then returns each timed batch's milliseconds. */
    private double[] score(
            OnnxModel onnx,
            FloatBuffer rows,
            long batches,
            CountDownLatch ready,
            CountDownLatch start)
            throws ModelException, InterruptedException {
        try {
            for (int i = 0; i < WARM_UP_BATCHES; i++) {
                onnx.score(rows, batchSize);
            }
        } finally {
            ready.countDown();
        }
        start.await();
        long deadline = System.nanoTime() + MIN_DURATION.toNanos();
        double[] millis = new double[(int) Math.min(batches, 1 << 20)];
        int done = 0;
        while (done < batches || System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            onnx.score(rows, batchSize);
            if (done == millis.length) {
                millis = Arrays.copyOf(millis, millis.length * 2);
            }
            millis[done++] = (System.nanoTime() - t0) / 1e6;
        }
        return Arrays.copyOf(millis, done);
    }

    private FloatBuffer randomRows(int width, long seed) {
        Random random = new Random(seed);
        FloatBuffer buffer =
                ByteBuffer.allocateDirect(batchSize * width * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        for (int i = 0; i < batchSize * width; i++) {
            buffer.put((float) random.nextGaussian());
        }
        return buffer.flip();
    }

    /** A fixed pool that is shut down with try-with-resources. */
    private static final class Workers implements AutoCloseable {

        final ExecutorService pool;

        Workers(int threads) {
            this.pool = Executors.newFixedThreadPool(threads);
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
