package io.inferflow.operators.labels;

import io.inferflow.operators.metrics.LabelMetrics;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.LabelOutcome;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Joins predictions (input 1) with labels (input 2) by event id, both keyed by {@code event_id},
 * within {@link LabelSettings#joinWindow()} of processing time, and records each joined pair in
 * its model version's {@link LabelMetrics}. Whichever side comes first waits in keyed state (the
 * prediction as model, version and first score; the label as its value) until the other comes or
 * the window passes; after a join the key remembers it until the window passes, so a repeated
 * label or prediction is ignored (counted as {@code labels_duplicates}) instead of waiting in
 * vain. Predictions without a label are counted per version ({@code labels_expired}), labels
 * without a prediction over all models ({@code labels_unmatched}). Each joined pair is also
 * emitted as a {@link LabelOutcome}, which the drift aggregator adds to its version's window.
 */
public class LabelJoinFunction
        extends KeyedCoProcessFunction<String, Prediction, Label, LabelOutcome> {

    private static final long serialVersionUID = 1L;

    public static final String GROUP = "labels";
    public static final String UNMATCHED = "unmatched";
    public static final String DUPLICATES = "duplicates";

    private final LabelSettings settings;

    private transient ValueState<Tuple3<String, Long, Float>> prediction;
    private transient ValueState<Double> label;
    private transient ValueState<Boolean> joined;
    private transient ValueState<Long> expiry;
    private transient Map<String, LabelMetrics> metrics;
    private transient Counter unmatched;
    private transient Counter duplicates;

    public LabelJoinFunction(LabelSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void open(OpenContext context) {
        TypeInformation<Tuple3<String, Long, Float>> predictionType =
                TypeInformation.of(new TypeHint<>() {});
        prediction =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("label-join-prediction",
                                predictionType));
        label = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("label-join-label", Types.DOUBLE));
        joined = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("label-join-joined", Types.BOOLEAN));
        expiry = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("label-join-expiry", Types.LONG));
        metrics = new HashMap<>();
        var group = getRuntimeContext().getMetricGroup().addGroup(GROUP);
        unmatched = group.counter(UNMATCHED);
        duplicates = group.counter(DUPLICATES);
    }

    @Override
    public void processElement1(Prediction p, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        if (joined.value() != null || prediction.value() != null) {
            duplicates.inc();
            return;
        }
        float score = p.getScores().isEmpty() ? Float.NaN : p.getScores().get(0);
        Double waiting = label.value();
        if (waiting != null) {
            joined(p.getModel(), p.getModelVersion(), score, waiting, out);
            label.clear();
            joined.update(true);
            return;
        }
        prediction.update(Tuple3.of(p.getModel(), p.getModelVersion(), score));
        arm(ctx);
    }

    @Override
    public void processElement2(Label l, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        if (joined.value() != null || label.value() != null) {
            duplicates.inc();
            return;
        }
        Tuple3<String, Long, Float> waiting = prediction.value();
        if (waiting != null) {
            joined(waiting.f0, waiting.f1, waiting.f2, l.getLabel(), out);
            prediction.clear();
            joined.update(true);
            return;
        }
        label.update(l.getLabel());
        arm(ctx);
    }

    private void joined(
            String model, long version, double score, double label, Collector<LabelOutcome> out) {
        LabelOutcome outcome =
                LabelOutcomes.of(model, version, score, label, settings.threshold());
        metricsOf(model, version).joined(outcome);
        out.collect(outcome);
    }

    /** The key's first element: it is forgotten one join window from now. */
    private void arm(Context ctx) throws Exception {
        if (expiry.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + settings.joinWindow().toMillis();
            expiry.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelOutcome> out)
            throws Exception {
        Tuple3<String, Long, Float> waiting = prediction.value();
        if (waiting != null) {
            metricsOf(waiting.f0, waiting.f1).expired();
        }
        if (label.value() != null) {
            unmatched.inc();
        }
        prediction.clear();
        label.clear();
        joined.clear();
        expiry.clear();
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
}
