package io.inferflow.operators.labels;

import io.inferflow.operators.metrics.LabelMetrics;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.LabelJoinEntry;
import io.inferflow.schemas.avro.LabelOutcome;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Joins predictions (input 1) with labels (input 2) by event id, both keyed by {@code event_id},
 * within {@link LabelSettings#joinWindow()} of processing time, and records each joined pair in
 * its model version's {@link LabelMetrics}. Whichever side comes first waits until the other
 * comes or the window passes; a second label (or prediction) for an event whose first one still
 * waits is ignored and counted ({@code labels_duplicates}). A joined pair leaves at once, so the
 * state holds only what waits: about the rate times the labels' delay, not times the window (a
 * label repeated after its join waits in vain and counts as unmatched). Predictions without a
 * label are counted per version ({@code labels_expired}), labels without a prediction over all
 * models ({@code labels_unmatched}). Each joined pair is also emitted as a {@link LabelOutcome},
 * which the drift aggregator adds to its version's window.
 *
 * <p><b>Bounded state.</b> The subtask holds at most {@link LabelSettings#maxPending()} event ids
 * ({@link PendingLabels}); when full, the oldest is dropped and counted ({@code labels_evicted}),
 * so a stream whose labels never arrive cannot grow the state (the {@code labels_pending} gauge
 * shows how many are held). The entries live on the heap and are checkpointed as union operator
 * state of Avro {@link LabelJoinEntry}s; on restore each subtask keeps those whose event id
 * belongs to its key groups, so a rescale puts every entry where its key now goes. One
 * processing-time timer at a time sweeps expired entries.
 */
public class LabelJoinFunction
        extends KeyedCoProcessFunction<String, Prediction, Label, LabelOutcome>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 2L;

    public static final String GROUP = "labels";
    public static final String UNMATCHED = "unmatched";
    public static final String DUPLICATES = "duplicates";
    public static final String EVICTED = "evicted";
    public static final String PENDING = "pending";

    private final LabelSettings settings;

    private transient PendingLabels pending;
    private transient ListState<LabelJoinEntry> checkpointed;
    private transient long sweepAt;
    private transient Map<String, LabelMetrics> metrics;
    private transient Counter unmatched;
    private transient Counter duplicates;
    private transient Counter evicted;
    /** Entries dropped while restoring (a smaller bound), counted once metrics exist. */
    private transient long evictedOnRestore;

    public LabelJoinFunction(LabelSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pending = new PendingLabels(settings.maxPending(), settings.joinWindow().toMillis());
        checkpointed =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "label-join-entries",
                                        new AvroTypeInfo<>(LabelJoinEntry.class)));
        if (context.isRestored()) {
            TaskInfo task = getRuntimeContext().getTaskInfo();
            List<LabelJoinEntry> mine = new ArrayList<>();
            for (LabelJoinEntry e : checkpointed.get()) {
                int owner =
                        KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                e.getEventId(),
                                task.getMaxNumberOfParallelSubtasks(),
                                task.getNumberOfParallelSubtasks());
                if (owner == task.getIndexOfThisSubtask()) {
                    mine.add(e);
                }
            }
            pending.restore(mine, e -> evictedOnRestore++);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        checkpointed.update(pending.entries());
    }

    @Override
    public void open(OpenContext context) {
        metrics = new HashMap<>();
        var group = getRuntimeContext().getMetricGroup().addGroup(GROUP);
        unmatched = group.counter(UNMATCHED);
        duplicates = group.counter(DUPLICATES);
        evicted = group.counter(EVICTED);
        evicted.inc(evictedOnRestore);
        group.gauge(PENDING, () -> pending.size());
        sweepAt = Long.MAX_VALUE;
    }

    @Override
    public void processElement1(Prediction p, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        LabelJoinEntry entry = pending.get(p.getEventId());
        if (entry != null && entry.getModel() != null) {
            duplicates.inc();
            return;
        }
        float score = p.getScores().isEmpty() ? Float.NaN : p.getScores().get(0);
        if (entry != null) {
            joined(p.getModel(), p.getModelVersion(), score, entry.getLabel(), out);
            pending.remove(p.getEventId());
            return;
        }
        hold(ctx, LabelJoinEntry.newBuilder()
                .setEventId(p.getEventId())
                .setHeldSince(ctx.timerService().currentProcessingTime())
                .setModel(p.getModel())
                .setModelVersion(p.getModelVersion())
                .setScore(score)
                .build());
    }

    @Override
    public void processElement2(Label l, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        LabelJoinEntry entry = pending.get(l.getEventId());
        if (entry != null && entry.getLabel() != null) {
            duplicates.inc();
            return;
        }
        if (entry != null) {
            joined(entry.getModel(), entry.getModelVersion(), entry.getScore(), l.getLabel(), out);
            pending.remove(l.getEventId());
            return;
        }
        hold(ctx, LabelJoinEntry.newBuilder()
                .setEventId(l.getEventId())
                .setHeldSince(ctx.timerService().currentProcessingTime())
                .setLabel(l.getLabel())
                .build());
    }

    private void hold(Context ctx, LabelJoinEntry entry) {
        LabelJoinEntry dropped = pending.put(entry);
        if (dropped != null) {
            evicted.inc();
        }
        if (sweepAt == Long.MAX_VALUE) {
            sweepAt = pending.nextExpiry();
            ctx.timerService().registerProcessingTimeTimer(sweepAt);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelOutcome> out) {
        pending.expire(timestamp, this::expired);
        // A timer restored from a checkpoint may fire besides the one this subtask armed.
        if (timestamp >= sweepAt || sweepAt == Long.MAX_VALUE) {
            sweepAt = pending.nextExpiry();
            if (sweepAt != Long.MAX_VALUE) {
                ctx.timerService().registerProcessingTimeTimer(sweepAt);
            }
        }
    }

    private void expired(LabelJoinEntry e) {
        if (e.getModel() != null) {
            metricsOf(e.getModel(), e.getModelVersion()).expired();
        }
        if (e.getLabel() != null) {
            unmatched.inc();
        }
    }

    private void joined(
            String model, long version, double score, double label, Collector<LabelOutcome> out) {
        LabelOutcome outcome =
                LabelOutcomes.of(model, version, score, label, settings.threshold());
        metricsOf(model, version).joined(outcome);
        out.collect(outcome);
    }

    private LabelMetrics metricsOf(String model, long version) {
        return metrics.computeIfAbsent(
                model + '\n' + version,
                k ->
                        new LabelMetrics(
                                getRuntimeContext().getMetricGroup(),
                                model,
                                version,
                                settings.metricsWindow()));
    }

    /** For tests: a version's metrics once a label of it was joined or expired here. */
    LabelMetrics metrics(String model, long version) {
        return metrics.get(model + '\n' + version);
    }

    /** For tests: labels that found no prediction within the window. */
    long unmatched() {
        return unmatched.getCount();
    }

    long duplicates() {
        return duplicates.getCount();
    }

    long evicted() {
        return evicted.getCount();
    }

    int pending() {
        return pending.size();
    }
}
