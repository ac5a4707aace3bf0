package io.inferflow.operators;

import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutCounts;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** Side outputs shared by the pipeline's functions and operators. */
public final class SideOutputs {

    /**
     * Records that were not scored, with the reason. Every stage that rejects a record emits it
     * here; the job reads this one tag from each stage and unions the streams.
     */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /**
     * What an inference subtask did with a model version: LOADED, ACTIVE, REJECTED (with the
     * reason) or RETIRED, with the subtask's index and the operator's parallelism.
     */
    public static final OutputTag<ModelStatus> MODEL_STATUS =
            new OutputTag<>("model-status", new AvroTypeInfo<>(ModelStatus.class));

    /**
     * Bin counts of a model version's inputs and scores against its reference profile, from one
     * inference subtask since its last partial; the drift aggregator merges them into windows.
     */
    public static final OutputTag<DriftCounts> DRIFT_COUNTS =
            new OutputTag<>("drift-counts", new AvroTypeInfo<>(DriftCounts.class));

    /**
     * The predictions of a shadow candidate (same schema as predictions), for {@code
     * predictions-shadow}: never on the main output.
     */
    public static final OutputTag<Prediction> SHADOW_PREDICTIONS =
            new OutputTag<>("predictions-shadow", new AvroTypeInfo<>(Prediction.class));

    /** What an inference subtask counted of a rollout, for the rollout judge. */
    public static final OutputTag<RolloutCounts> ROLLOUT_COUNTS =
            new OutputTag<>("rollout-counts", new AvroTypeInfo<>(RolloutCounts.class));

    private SideOutputs() {}
}
