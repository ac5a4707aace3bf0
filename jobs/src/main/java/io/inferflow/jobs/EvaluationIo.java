package io.inferflow.jobs;

import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.serde.ConfluentDecoder;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The evaluation job's sources and sinks, injected into {@link EvaluationPipeline#build}.
 * {@link KafkaPipelineIo} is the real one: it reads what the inference job committed.
 */
public interface EvaluationIo {

    /** The predictions, as committed by the inference job. */
    DataStream<Prediction> predictions(StreamExecutionEnvironment env);

    /** The raw records of the labels topic. */
    DataStream<RawRecord> labels(StreamExecutionEnvironment env);

    /** Decodes the values of the labels topic. */
    ConfluentDecoder<Label> labelDecoder();

    /** The inference subtasks' drift counts, as committed with their predictions. */
    DataStream<DriftCounts> driftCounts(StreamExecutionEnvironment env);

    /** Where drift reports go. */
    void sinkDrift(DataStream<DriftReport> reports);

    /** Where labels that do not decode or are invalid go. */
    void sinkLabelDeadLetters(DataStream<DeadLetter> deadLetters);
}
