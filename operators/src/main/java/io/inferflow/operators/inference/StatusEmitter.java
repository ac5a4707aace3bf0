package io.inferflow.operators.inference;

import io.inferflow.operators.SideOutputs;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutMode;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Emits the inference operator's {@link SideOutputs#MODEL_STATUS} records: what this subtask did
 * with a model version (LOADED, ACTIVE, REJECTED, RETIRED), with its index and the operator's
 * parallelism. Statuses made before {@link #opened()}, while open() restores the desired versions,
 * are kept until {@link #emitUnsent()}. Used on the task thread only.
 */
final class StatusEmitter {

    private final Output<StreamRecord<Prediction>> output;
    private final ProcessingTimeService time;
    private final int subtask;
    private final int parallelism;

    private List<ModelStatus> unsent = new ArrayList<>();
    private boolean opened;

    StatusEmitter(
            Output<StreamRecord<Prediction>> output,
            ProcessingTimeService time,
            int subtask,
            int parallelism) {
        this.output = output;
        this.time = time;
        this.subtask = subtask;
        this.parallelism = parallelism;
    }

    /** Emits the status, or keeps it for {@link #emitUnsent()} while not yet opened. */
    void emit(ModelControl control, ModelState state, String reason, long loadMs) {
        emit(control, state, reason, loadMs, null);
    }

    /**
     * @param executionProvider what the version's session runs on ({@code "CPU"}, {@code
     *     "CUDA"}), for LOADED and ACTIVE; null otherwise
     */
    void emit(
            ModelControl control,
            ModelState state,
            String reason,
            long loadMs,
            String executionProvider) {
        emit(control, state, reason, loadMs, executionProvider, null);
    }

    /** @param role CANARY or SHADOW for a status about a rollout's candidate; null otherwise */
    void emit(
            ModelControl control,
            ModelState state,
            String reason,
            long loadMs,
            String executionProvider,
            RolloutMode role) {
        ModelStatus status =
                ModelStatus.newBuilder()
                        .setModel(control.getName())
                        .setVersion(control.getVersion())
                        .setGeneration(control.getGeneration())
                        .setSubtask(subtask)
                        .setParallelism(parallelism)
                        .setState(state)
                        .setReason(reason)
                        .setLoadMs(loadMs)
                        .setPrecision(control.getPrecision())
                        .setAt(Instant.ofEpochMilli(time.getCurrentProcessingTime()))
                        .setExecutionProvider(executionProvider)
                        .setRole(role)
                        .build();
        if (opened) {
            collect(status);
        } else {
            unsent.add(status);
        }
    }

    /** From now on statuses are emitted at once; those made before wait for the next callback. */
    void opened() {
        opened = true;
    }

    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    /** Emits the statuses made before {@link #opened()}; returns whether there were any. */
    boolean emitUnsent() {
        if (unsent.isEmpty()) {
            return false;
        }
        List<ModelStatus> statuses = unsent;
        unsent = new ArrayList<>();
        statuses.forEach(this::collect);
        return true;
    }

    private void collect(ModelStatus status) {
        output.collect(SideOutputs.MODEL_STATUS, new StreamRecord<>(status));
    }
}
