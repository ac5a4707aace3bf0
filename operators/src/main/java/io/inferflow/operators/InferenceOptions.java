package io.inferflow.operators;

import io.inferflow.model.RuntimeSettings;
import io.inferflow.operators.inference.BatchingSettings;
import io.inferflow.operators.inference.NonFiniteFeaturePolicy;
import io.inferflow.operators.inference.NonFiniteOutputPolicy;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import io.inferflow.operators.inference.WaitingSettings;

import java.time.Duration;
import java.util.List;

/** Options of the inference operators. Every option is listed in docs/reference/configuration.md. */
public final class InferenceOptions {

    /** What computes the scores. */
    public enum Engine {
        /** ONNX Runtime on the configured models. */
        ONNX,
        /** No model: the scores are the first features. For pass-through benchmarks. */
        IDENTITY
    }

    public static final ConfigOption<Integer> BATCH_MAX_SIZE =
            ConfigOptions.key("inference.batch.max-size")
                    .intType()
                    .defaultValue(BatchingSettings.DEFAULT_MAX_SIZE)
                    .withDescription(
                            "Largest number of events scored in one ONNX Runtime call. A batch is"
                                    + " flushed as soon as it holds this many events.");

    public static final ConfigOption<Duration> BATCH_MAX_DELAY =
            ConfigOptions.key("inference.batch.max-delay")
                    .durationType()
                    .defaultValue(BatchingSettings.DEFAULT_MAX_DELAY)
                    .withDescription(
                            "Longest time (processing time) the oldest event of a batch waits"
                                    + " before the batch is scored, full or not. 0 scores every"
                                    + " event on arrival.");

    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("inference.intra-op-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "ONNX Runtime intra-op threads per session. Keep it small (1-2):"
                                    + " parallelism comes from Flink subtasks.");

    public static final ConfigOption<NonFiniteFeaturePolicy> NON_FINITE_FEATURES =
            ConfigOptions.key("inference.non-finite-features")
                    .enumType(NonFiniteFeaturePolicy.class)
                    .defaultValue(NonFiniteFeaturePolicy.REJECT)
                    .withDescription(
                            "What to do with events whose features contain NaN or Infinity:"
                                    + " REJECT sends them to dead letters, ZERO replaces those"
                                    + " values by 0, PASS gives them to the model as they are.");

    public static final ConfigOption<NonFiniteOutputPolicy> NON_FINITE_OUTPUTS =
            ConfigOptions.key("inference.non-finite-outputs")
                    .enumType(NonFiniteOutputPolicy.class)
                    .defaultValue(NonFiniteOutputPolicy.REJECT)
                    .withDescription(
                            "What to do with events whose model output contains NaN or Infinity:"
                                    + " REJECT sends them to dead letters (NON_FINITE_OUTPUT),"
                                    + " ZERO replaces those values by 0. No non-finite score ever"
                                    + " reaches predictions; a rollout candidate's non-finite"
                                    + " output always counts as its failure.");

    public static final ConfigOption<Duration> ROLLOUT_REPORT_INTERVAL =
            ConfigOptions.key("inference.rollout.report-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription(
                            "How often each inference subtask sends what it counted of a canary"
                                    + " or shadow rollout to the rollout judge (also before every"
                                    + " checkpoint barrier), and how often the judge writes a"
                                    + " RolloutReport per rollout to model-rollouts. Guardrails"
                                    + " are judged at each arrival.");

    public static final ConfigOption<Duration> MODEL_LOAD_TIMEOUT =
            ConfigOptions.key("inference.model.load-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription(
                            "Longest time the end of input waits for the loads that events"
                                    + " wait for; after it those events go to dead letters."
                                    + " Checkpoints do not wait: waiting events go into them.");

    public static final ConfigOption<Duration> UNKNOWN_MODEL_GRACE =
            ConfigOptions.key("inference.unknown-model.grace")
                    .durationType()
                    .defaultValue(WaitingSettings.DEFAULTS.unknownModelGrace())
                    .withDescription(
                            "How long events of a model that no control record has named yet"
                                    + " wait (from that model's first event on the subtask since"
                                    + " it started) before they go to dead letters as"
                                    + " UNKNOWN_MODEL. Waiting events are kept in checkpoints.");

    public static final ConfigOption<Integer> WAITING_MAX_EVENTS =
            ConfigOptions.key("inference.waiting.max-events")
                    .intType()
                    .defaultValue(WaitingSettings.DEFAULTS.maxEvents())
                    .withDescription(
                            "Most events a subtask holds while they wait for a first version"
                                    + " or for an unknown model; at this bound it stops taking"
                                    + " events (backpressure) until loads finish or a grace"
                                    + " ends.");

    /** The waiting settings of {@code conf}. */
    public static WaitingSettings waiting(org.apache.flink.configuration.Configuration conf) {
        return new WaitingSettings(conf.get(UNKNOWN_MODEL_GRACE), conf.get(WAITING_MAX_EVENTS));
    }

    public static final ConfigOption<List<String>> MODELS =
            ConfigOptions.key("inference.models")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Models served from the start, separated by ';', each"
                                    + " NAME=PATH or NAME:VERSION=PATH (version 1 when omitted),"
                                    + " e.g. 'fraud=/models/fraud.onnx;"
                                    + "churn:3=/models/churn.onnx'.");

    public static final ConfigOption<Duration> INPUT_BUFFER_TIMEOUT =
            ConfigOptions.key("inference.input-buffer-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMillis(5))
                    .withDescription(
                            "Longest time decoded events wait in a network buffer on their way to"
                                    + " the inference operator (which takes the control stream"
                                    + " as a second input, so it cannot be chained to the"
                                    + " source). Flink's default of 100 ms would dominate"
                                    + " latency; lower values cost some throughput.");

    public static final ConfigOption<Engine> ENGINE =
            ConfigOptions.key("inference.engine")
                    .enumType(Engine.class)
                    .defaultValue(Engine.ONNX)
                    .withDescription(
                            "ONNX scores with ONNX Runtime; IDENTITY runs no model and returns"
                                    + " the first k features as scores, k being the first model's"
                                    + " output width (pass-through benchmark only).");

    public static final ConfigOption<List<String>> MODEL_PROFILES =
            ConfigOptions.key("inference.model-profiles")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Reference profiles (pipeline model profile) of the models in"
                                    + " inference.models, separated by ';', each NAME=PATH; they"
                                    + " are attached inline, as push --profile does, so those"
                                    + " models are checked for drift too.");

    public static final ConfigOption<Boolean> METRICS_HISTOGRAMS =
            ConfigOptions.key("inference.metrics.histograms")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether each model version keeps its histograms of batch size,"
                                    + " inference time, queue wait and end-to-end latency"
                                    + " (updated per batch and per event). Counters and meters"
                                    + " are always kept.");

    public static final ConfigOption<RuntimeSettings.Device> DEVICE =
            ConfigOptions.key("inference.device")
                    .enumType(RuntimeSettings.Device.class)
                    .defaultValue(RuntimeSettings.Device.AUTO)
                    .withDescription(
                            "Where ONNX Runtime sessions run: AUTO uses the CUDA execution"
                                    + " provider when the job jar is the GPU build"
                                    + " (onnxruntime_gpu) and a session can be created on the"
                                    + " TaskManager's GPU, else the CPU (with a WARN and the"
                                    + " model_cudaFallbacks metric); CPU never tries CUDA; CUDA"
                                    + " rejects a version that cannot get it (CUDA_UNAVAILABLE)"
                                    + " while the previous one keeps serving.");

    public static final ConfigOption<Integer> CUDA_DEVICE_ID =
            ConfigOptions.key("inference.cuda.device-id")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "CUDA device (GPU ordinal as the TaskManager sees it) of the sessions"
                                    + " when inference.device is AUTO or CUDA.");

    private InferenceOptions() {}
}
