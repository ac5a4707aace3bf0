package io.inferflow.jobs;

import io.inferflow.operators.drift.DriftAggregatorFunction;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelDecodeFunction;
import io.inferflow.operators.labels.LabelJoinFunction;
import io.inferflow.operators.labels.LabelOptions;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.LabelOutcome;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

import static io.inferflow.operators.SideOutputs.DEAD_LETTERS;

/**
 * The evaluation job, beside the serving path: it reads what the inference job committed and
 * never writes to {@code predictions}, so its failure cannot stop predictions.
 *
 * <pre>
 *   predictions ─(by event id)─▶ labels join ◀─(by event id)─ decode-labels ◀─ labels
 *                                   │                              └─ dead letters ─▶ dead-letters
 *                                   └─ outcomes ─(by model version)─┐
 *   drift-counts ───────────────────(by model version)──────────▶ drift ─▶ drift
 * </pre>
 *
 * <p>Both inputs of the join are read with {@code read_committed}, so each prediction and each
 * drift count is seen once per checkpoint of this job, whatever the inference job went through.
 */
public final class EvaluationPipeline {

    private EvaluationPipeline() {}

    /** Whether {@code conf} asks for any evaluation (labels or drift). */
    public static boolean enabled(Configuration conf) {
        return conf.get(LabelOptions.ENABLED) || conf.get(DriftOptions.ENABLED);
    }

    /** Adds the job to {@code env}; sources and sinks come from {@code io}. Does no I/O. */
    public static void build(StreamExecutionEnvironment env, EvaluationIo io, Configuration conf) {
        DataStream<LabelOutcome> outcomes =
                conf.get(LabelOptions.ENABLED) ? joinLabels(env, io, conf) : null;
        if (!conf.get(DriftOptions.ENABLED)) {
            if (outcomes != null) {
                // Without drift windows the join's metrics are its product.
                outcomes.sinkTo(new DiscardingSink<>()).name("outcomes").uid("outcomes-sink");
            }
            return;
        }
        DataStream<DriftCounts> counts = io.driftCounts(env);
        if (outcomes == null) {
            // No labels: an always-empty second input, derived from the counts.
            outcomes =
                    counts.flatMap(
                                    (DriftCounts c, Collector<LabelOutcome> out) -> {},
                                    new AvroTypeInfo<>(LabelOutcome.class))
                            .name("no-labels")
                            .uid("no-labels");
        }
        // Each subtask's counts of a version, and its labels, meet in one keyed window.
        io.sinkDrift(
                counts.keyBy(DriftAggregatorFunction.KEY)
                        .connect(outcomes.keyBy(DriftAggregatorFunction.LABEL_KEY))
                        .process(
                                new DriftAggregatorFunction(DriftOptions.settings(conf)),
                                new AvroTypeInfo<>(DriftReport.class))
                        .name("drift")
                        .uid("drift"));
    }

    /** Joins the labels topic with the predictions by event id. */
    private static DataStream<LabelOutcome> joinLabels(
            StreamExecutionEnvironment env, EvaluationIo io, Configuration conf) {
        SingleOutputStreamOperator<Label> labels =
                io.labels(env)
                        .process(new LabelDecodeFunction(io.labelDecoder()))
                        .name("decode-labels")
                        .uid("decode-labels");
        io.sinkLabelDeadLetters(labels.getSideOutput(DEAD_LETTERS));
        return io.predictions(env)
                .keyBy(Prediction::getEventId)
                .connect(labels.keyBy(Label::getEventId))
                .process(
                        new LabelJoinFunction(LabelOptions.settings(conf)),
                        new AvroTypeInfo<>(LabelOutcome.class))
                .name("labels")
                .uid("labels");
    }
}
