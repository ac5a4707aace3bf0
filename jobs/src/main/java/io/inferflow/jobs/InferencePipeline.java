package io.inferflow.jobs;

import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.control.ControlGate;
import io.inferflow.operators.decode.DecodeFunction;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.inference.BatchingSettings;
import io.inferflow.operators.inference.MicroBatchInferenceOperator;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.operators.rollout.RolloutJudge;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import static io.inferflow.operators.SideOutputs.DEAD_LETTERS;
import static io.inferflow.operators.SideOutputs.DRIFT_COUNTS;
import static io.inferflow.operators.SideOutputs.MODEL_STATUS;
import static io.inferflow.operators.SideOutputs.ROLLOUT_COUNTS;
import static io.inferflow.operators.SideOutputs.SHADOW_PREDICTIONS;

/**
 * The inference job, the serving path:
 *
 * <pre>
 *   features ─▶ decode ─▶ micro-batched inference ─▶ predictions
 *                 │          ▲      │        │
 *                 │          │      │        └──────▶ model-status
 *                 └──── dead letters┴───────────────▶ dead-letters
 *   model-control ─(broadcast)─┘    ├─ drift counts ──────────▶ drift-counts
 *        ▲    │                     ├─ shadow predictions ────▶ predictions-shadow
 *        │    └──(by model)─▶ rollout judge ◀─ rollout counts ┘
 *        └──── promote / abort ──────┴──────── reports ───────▶ model-rollouts
 * </pre>
 *
 * <p>Rollouts: a control record with a candidate makes every subtask score a canary share of
 * entities (or, in shadow mode, every event) with the candidate too, and count both versions;
 * the {@link RolloutJudge} merges the counts per model, reports them and, when the guardrails
 * pushed with the candidate say so, writes the promote or abort record back to the control
 * topic, which every subtask acts on like any push.
 *
 * <p>Monitoring is not in this job: the labels join and the drift windows run in the {@link
 * EvaluationPipeline evaluation job}, which reads {@code predictions} and {@code drift-counts}
 * from Kafka. A failure there cannot stop predictions, and its state cannot slow this job's
 * checkpoints.
 *
 * <p>Versions pushed with a reference profile are counted for drift: each inference subtask bins
 * the inputs and scores of every batch it scores and sends the counts (every {@code
 * drift.flush-interval} and before each barrier) to {@code drift-counts}, exactly once in the
 * same transactions as the predictions they count.
 *
 * <p>The control topic is broadcast to every inference subtask, which loads the versions it names
 * off the data path and swaps between two batches.
 *
 * <p>Decode is chained to the source and inference follows it one-to-one (forward, no shuffle):
 * a batch holds records of many keys from the partitions this subtask reads. As a two-input
 * operator, inference cannot be chained to the source, so the forward edge gets a short network
 * buffer timeout ({@code inference.input-buffer-timeout}). Every batch is flushed before each
 * checkpoint barrier, so no batch needs state and the Kafka transactions carry exactly the
 * predictions of the offsets in the checkpoint.
 */
public final class InferencePipeline {

    private InferencePipeline() {}

    /**
     * Adds the job to {@code env}. Does no I/O: sources and sinks come from {@code io}, the
     * starting models and their provider from {@code models} ({@link ModelSetup#resolve} in the
     * entry point; anything in a test).
     */
    public static void build(
            StreamExecutionEnvironment env,
            PipelineIo io,
            Configuration conf,
            ModelSetup models) {
        SingleOutputStreamOperator<DecodedEvent> events =
                io.features(env)
                        .process(new DecodeFunction(io.decoder())
                                .withRegistryWait(conf.get(JobOptions.REGISTRY_UNAVAILABLE_WAIT)))
                        .name("decode")
                        .uid("decode")
                        .setBufferTimeout(
                                conf.get(InferenceOptions.INPUT_BUFFER_TIMEOUT).toMillis());

        // The control gate passes on the records that are signed, fresh and keep every version
        // one file (ControlGateRules); every inference subtask gets each of them and keeps them
        // in broadcast state.
        SingleOutputStreamOperator<ModelControl> controlRecords =
                io.modelControl(env)
                        .keyBy(ModelControl::getName, Types.STRING)
                        .process(new ControlGate(ModelSetup.gateRules(conf)))
                        .returns(new AvroTypeInfo<>(ModelControl.class))
                        .name("control-gate")
                        .uid(ControlGate.UID)
                        .setParallelism(1);
        DataStream<ModelControl> control = controlRecords.broadcast();

        SingleOutputStreamOperator<Prediction> predictions =
                events.connect(control)
                        .transform(
                                "inference",
                                new AvroTypeInfo<>(Prediction.class),
                                inference(conf, models))
                        .uid("inference");

        DataStream<DeadLetter> deadLetters =
                events.getSideOutput(DEAD_LETTERS).union(predictions.getSideOutput(DEAD_LETTERS));
        io.sinkPredictions(predictions);
        io.sinkDeadLetters(deadLetters);
        io.sinkModelStatus(predictions.getSideOutput(MODEL_STATUS)
                .union(controlRecords.getSideOutput(ControlGate.REJECTIONS)));
        if (conf.get(DriftOptions.ENABLED)) {
            io.sinkDriftCounts(predictions.getSideOutput(DRIFT_COUNTS));
        }
        io.sinkShadowPredictions(predictions.getSideOutput(SHADOW_PREDICTIONS));

        // Rollouts: every subtask's counts and the control records meet per model in the judge,
        // whose decisions go back to the control topic.
        SingleOutputStreamOperator<RolloutReport> rollouts =
                predictions.getSideOutput(ROLLOUT_COUNTS)
                        .keyBy(RolloutCounts::getModel, Types.STRING)
                        .connect(controlRecords.keyBy(ModelControl::getName, Types.STRING))
                        .process(new RolloutJudge(
                                        conf.get(InferenceOptions.ROLLOUT_REPORT_INTERVAL))
                                .signingWith(conf.getOptional(JobOptions.DECISION_KEY)
                                        .orElse(null)))
                        .returns(new AvroTypeInfo<>(RolloutReport.class))
                        .name("rollout-judge")
                        .uid("rollout-judge");
        io.sinkRolloutReports(rollouts);
        io.sinkRolloutDecisions(rollouts.getSideOutput(RolloutJudge.DECISIONS));
    }

    private static MicroBatchInferenceOperator inference(Configuration conf, ModelSetup models) {
        BatchingSettings batching =
                BatchingSettings.builder()
                        .maxSize(conf.get(InferenceOptions.BATCH_MAX_SIZE))
                        .maxDelay(conf.get(InferenceOptions.BATCH_MAX_DELAY))
                        .nonFinitePolicy(conf.get(InferenceOptions.NON_FINITE_FEATURES))
                        .nonFiniteOutputs(conf.get(InferenceOptions.NON_FINITE_OUTPUTS))
                        .build();
        return new MicroBatchInferenceOperator(
                        models.initial(),
                        models.provider(),
                        batching,
                        conf.get(InferenceOptions.MODEL_LOAD_TIMEOUT),
                        DriftOptions.settings(conf))
                .withHistograms(conf.get(InferenceOptions.METRICS_HISTOGRAMS))
                .withWaiting(InferenceOptions.waiting(conf))
                .withRolloutReports(conf.get(InferenceOptions.ROLLOUT_REPORT_INTERVAL));
    }
}
