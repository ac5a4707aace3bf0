package io.inferflow.jobs;

import io.inferflow.operators.decode.FeatureEventDecoder;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutReport;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The inference job's sources and sinks, injected into {@link InferencePipeline#build} so that
 * tests and benchmarks can swap them. {@link KafkaPipelineIo} is the real one.
 */
public interface PipelineIo {

    /** The feature records, undecoded. */
    DataStream<RawRecord> features(StreamExecutionEnvironment env);

    /** The control records, in topic order (parallelism 1). */
    DataStream<ModelControl> modelControl(StreamExecutionEnvironment env);

    void sinkModelStatus(DataStream<ModelStatus> statuses);

    /** How feature record values are decoded. */
    FeatureEventDecoder decoder();

    void sinkPredictions(DataStream<Prediction> predictions);

    void sinkDeadLetters(DataStream<DeadLetter> deadLetters);

    /**
     * Where the inference subtasks' drift counts go for the evaluation job: exactly once, with
     * the predictions they count.
     */
    void sinkDriftCounts(DataStream<DriftCounts> counts);

    /** The predictions of shadow candidates: exactly once, never on the predictions topic. */
    void sinkShadowPredictions(DataStream<Prediction> predictions);

    /** The rollout judge's reports, visible at once. */
    void sinkRolloutReports(DataStream<RolloutReport> reports);

    /**
     * The rollout judge's promote and abort records, back to the control topic that every
     * inference subtask (and the judge) reads.
     */
    void sinkRolloutDecisions(DataStream<ModelControl> decisions);
}
