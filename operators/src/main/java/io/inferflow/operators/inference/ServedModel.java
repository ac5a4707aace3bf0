package io.inferflow.operators.inference;

import io.inferflow.model.InputBatch;
import io.inferflow.model.ModelSignature;
import io.inferflow.model.Scorer;
import io.inferflow.operators.control.ModelControls;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.drift.DriftCounter;
import io.inferflow.operators.metrics.ModelVersionMetrics;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One model version served by the operator: the control record that named it, its handle, the
 * batch being filled and the direct buffer its batches are copied into (one per version, reused,
 * grown when needed), and the version's metrics. Closing it closes the handle.
 */
final class ServedModel implements AutoCloseable {

    /**
     * A buffered event, the timestamp of the stream record that carried it and when it reached
     * the operator (processing time).
     */
    record Pending(DecodedEvent event, long timestamp, boolean hasTimestamp, long arrivedAt) {}

    final ModelControl control;
    final ModelHandle handle;
    final Scorer scorer;
    /** {@code 'fraud' v3}, for messages. */
    final String label;
    final ModelVersionMetrics metrics;
    /** Counts the version's inputs and scores for drift detection; null without a profile. */
    final DriftCounter drift;
    /** The slot serving this version, whose stable version and candidate a batch may need. */
    final ModelSlot slot;
    /** CANARY or SHADOW for a rollout's candidate; null for the stable version. */
    final RolloutMode role;

    private List<Pending> batch = new ArrayList<>();
    private boolean warned;
    private FloatBuffer input;
    /** The inputs' columns for a model that reads named inputs; null for a flat model. */
    private final InputBatch named;
    private final ModelSignature signature;
    private long deadline;
    private ScheduledFuture<?> timer;

    ServedModel(
            ModelSlot slot,
            RolloutMode role,
            ModelControl control,
            ModelHandle handle,
            int initialRows,
            ModelVersionMetrics metrics,
            DriftCounter drift) {
        this.slot = slot;
        this.role = role;
        this.control = control;
        this.drift = drift;
        this.handle = handle;
        this.metrics = metrics;
        this.scorer = handle.scorer();
        this.label = ModelControls.label(control);
        metrics.nativeBytes(scorer.nativeBytes());
        this.signature = scorer.signature();
        boolean flat = signature == null || signature.flat();
        this.input = allocate(flat ? initialRows * scorer.inputWidth() : 0);
        this.named = flat ? null : InputBatch.allocate(signature.inputs(), initialRows);
    }

    /** Whether the version reads named inputs (see {@link EventInputs}). */
    boolean readsNamedInputs() {
        return named != null;
    }

    void add(Pending pending) {
        batch.add(pending);
    }

    int size() {
        return batch.size();
    }

    /** Processing time by which the batch must be flushed; meaningful while it is not empty. */
    long deadline() {
        return deadline;
    }

    void scheduleFlush(long deadline, ScheduledFuture<?> timer) {
        this.deadline = deadline;
        this.timer = timer;
    }

    /** Takes the batch out (cancelling its timer) and starts a new, empty one. */
    List<Pending> drain() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        List<Pending> drained = batch;
        batch = new ArrayList<>(drained.size());
        return drained;
    }

    /**
     * Copies the rows into the model's direct buffer, row-major from position 0. With {@code
     * zeroNonFinite} NaN and ±Infinity become 0. For a model with one float32 input.
     */
    FloatBuffer fill(List<Pending> rows, boolean zeroNonFinite) {
        int width = scorer.inputWidth();
        if (input.capacity() < rows.size() * width) {
            input = allocate(rows.size() * width);
        }
        input.clear();
        String name = signature == null ? null : signature.inputs().get(0).name();
        for (Pending p : rows) {
            for (Float f : EventInputs.flatRow(p.event().event, name)) {
                float v = f;
                input.put(zeroNonFinite && !Float.isFinite(v) ? 0f : v);
            }
        }
        input.flip();
        return input;
    }

    /** Copies the rows into the named inputs' columns ({@link #readsNamedInputs()}). */
    InputBatch fillNamed(List<Pending> rows, boolean zeroNonFinite) {
        List<FeatureEvent> events = new ArrayList<>(rows.size());
        for (Pending p : rows) {
            events.add(p.event().event);
        }
        EventInputs.fill(named, signature, events, zeroNonFinite);
        return named;
    }

    /** This version serving in another role (a promoted candidate): same handle and batch state. */
    ServedModel as(RolloutMode newRole, ModelControl newControl, int initialRows) {
        return new ServedModel(slot, newRole, newControl, handle, initialRows, metrics, drift);
    }

    /** True the first time only: a version's repeated failures are logged once. */
    boolean warnOnce() {
        boolean first = !warned;
        warned = true;
        return first;
    }

    boolean isCandidate() {
        return role != null;
    }

    private static FloatBuffer allocate(int floats) {
        return ByteBuffer.allocateDirect(Math.max(1, floats) * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    /** Closes the handle and unregisters the version's metrics: it no longer serves here. */
    @Override
    public void close() {
        try {
            handle.close();
        } finally {
            metrics.release();
        }
    }
}
