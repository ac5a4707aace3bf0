package io.inferflow.jobs;

import io.inferflow.jobs.kafka.ClientRole;
import io.inferflow.jobs.kafka.ConfluentRecordSerializer;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.jobs.kafka.AvroRecordDeserializer;
import io.inferflow.jobs.kafka.RawRecordDeserializer;
import io.inferflow.operators.decode.FeatureEventDecoder;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.serde.ConfluentFeatureEventDecoder;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.operators.serde.ConfluentDecoder;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.schemas.registry.RegistrySettings;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka I/O of both jobs: the inference job reads features and control records and writes
 * predictions, dead letters and drift counts exactly once; the evaluation job reads predictions,
 * labels and drift counts with {@code read_committed} and writes drift reports and the dead
 * letters of bad labels. Each exactly-once sink has its own transactional id prefix.
 */
public final class KafkaPipelineIo implements PipelineIo, EvaluationIo {

    private final Configuration conf;
    private final boolean bounded;

    private KafkaPipelineIo(Configuration conf, boolean bounded) {
        this.conf = conf;
        this.bounded = bounded;
    }

    /** Reads the features topic without end. */
    public static KafkaPipelineIo unbounded(Configuration conf) {
        return new KafkaPipelineIo(conf, false);
    }

    /** Reads the features topic up to the offsets that are latest when the job starts. */
    public static KafkaPipelineIo boundedAtStart(Configuration conf) {
        return new KafkaPipelineIo(conf, true);
    }

    @Override
    public DataStream<RawRecord> features(StreamExecutionEnvironment env) {
        return rawRecords(
                env, conf.get(JobOptions.FEATURES_TOPIC), conf.get(JobOptions.GROUP_ID),
                "features", "features-source");
    }

    @Override
    public DataStream<RawRecord> labels(StreamExecutionEnvironment env) {
        return rawRecords(
                env, conf.get(JobOptions.LABELS_TOPIC), conf.get(JobOptions.GROUP_ID) + "-labels",
                "labels", "labels-source");
    }

    @Override
    public DataStream<Prediction> predictions(StreamExecutionEnvironment env) {
        return records(env, Prediction.class, conf.get(JobOptions.PREDICTIONS_TOPIC),
                conf.get(JobOptions.GROUP_ID) + "-evaluation", startingOffsets(),
                ClientRole.SOURCE, "predictions", "predictions-source");
    }

    @Override
    public DataStream<DriftCounts> driftCounts(StreamExecutionEnvironment env) {
        return records(env, DriftCounts.class, conf.get(JobOptions.DRIFT_COUNTS_TOPIC),
                conf.get(JobOptions.GROUP_ID) + "-evaluation-drift", startingOffsets(),
                ClientRole.SOURCE, "drift-counts", "drift-counts-source");
    }

    /** Records of a topic the job's own parts write, decoded, read committed. */
    private <T extends SpecificRecordBase> SingleOutputStreamOperator<T> records(
            StreamExecutionEnvironment env, Class<T> type, String topic, String group,
            OffsetsInitializer start, ClientRole role, String name, String uid) {
        KafkaSourceBuilder<T> builder =
                KafkaSource.<T>builder()
                        .setProperties(clients(role).asProperties())
                        .setBootstrapServers(conf.get(JobOptions.BOOTSTRAP_SERVERS))
                        .setTopics(topic)
                        .setGroupId(group)
                        .setStartingOffsets(start)
                        .setDeserializer(
                                new AvroRecordDeserializer<>(type, registry()))
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("client.id.prefix", group);
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), name).uid(uid);
    }

    /** The undecoded records of a data topic, read committed, bounded when the IO is. */
    private DataStream<RawRecord> rawRecords(
            StreamExecutionEnvironment env, String topic, String group, String name, String uid) {
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setProperties(clients(ClientRole.SOURCE).asProperties())
                        .setBootstrapServers(conf.get(JobOptions.BOOTSTRAP_SERVERS))
                        .setTopics(topic)
                        .setGroupId(group)
                        .setStartingOffsets(startingOffsets())
                        .setDeserializer(new RawRecordDeserializer())
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("client.id.prefix", group);
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), name).uid(uid);
    }

    @Override
    public ConfluentDecoder<Label> labelDecoder() {
        return new ConfluentDecoder<>(Label.class, registry());
    }

    private OffsetsInitializer startingOffsets() {
        switch (conf.get(JobOptions.STARTING_OFFSETS)) {
            case EARLIEST:
                return OffsetsInitializer.earliest();
            case LATEST:
                return OffsetsInitializer.latest();
            case COMMITTED_OR_LATEST:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
            case COMMITTED_OR_EARLIEST:
            default:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
    }

    @Override
    public DataStream<ModelControl> modelControl(StreamExecutionEnvironment env) {
        // One reader keeps the control records of a model in topic order for every subtask.
        return records(env, ModelControl.class, conf.get(JobOptions.MODEL_CONTROL_TOPIC),
                        conf.get(JobOptions.GROUP_ID) + "-control", OffsetsInitializer.earliest(),
                        ClientRole.CONTROL, "model-control", "model-control-source")
                .setParallelism(1);
    }

    @Override
    public void sinkModelStatus(DataStream<ModelStatus> statuses) {
        String topic = conf.get(JobOptions.MODEL_STATUS_TOPIC);
        // Not transactional: operators waiting on a push must see statuses at once.
        named(statuses.sinkTo(atLeastOnce(ConfluentRecordSerializer.modelStatus(topic, registry()))),
                "model-status-sink");
    }

    @Override
    public void sinkDrift(DataStream<DriftReport> reports) {
        String topic = conf.get(JobOptions.DRIFT_TOPIC);
        // Not transactional: a report is derived data, readers keep the last per window.
        named(reports.sinkTo(atLeastOnce(ConfluentRecordSerializer.driftReport(topic, registry()))),
                "drift-sink");
    }

    @Override
    public void sinkShadowPredictions(DataStream<Prediction> predictions) {
        String topic = conf.get(JobOptions.PREDICTIONS_SHADOW_TOPIC);
        named(predictions.sinkTo(sink("predictions-shadow",
                        ConfluentRecordSerializer.predictions(topic, registry()))),
                "predictions-shadow-sink");
    }

    @Override
    public void sinkRolloutReports(DataStream<RolloutReport> reports) {
        String topic = conf.get(JobOptions.MODEL_ROLLOUTS_TOPIC);
        // Not transactional: a report is derived data, readers keep the last per model.
        named(reports.sinkTo(atLeastOnce(ConfluentRecordSerializer.rolloutReport(topic, registry()))),
                "model-rollouts-sink");
    }

    @Override
    public void sinkRolloutDecisions(DataStream<ModelControl> decisions) {
        String topic = conf.get(JobOptions.MODEL_CONTROL_TOPIC);
        // Not transactional, so a decision acts at once: a record written twice (a replay after
        // a failure) carries the same generation, and subtasks ignore a generation they know.
        named(decisions.sinkTo(atLeastOnce(ConfluentRecordSerializer.modelControl(topic, registry()))),
                "rollout-decisions-sink");
    }

    /** Names the sink and gives it the same stable uid. */
    private static void named(DataStreamSink<?> sink, String name) {
        sink.name(name).uid(name);
    }

    /** A sink whose records are visible at once (no transactions), for derived topics. */
    private <T> KafkaSink<T> atLeastOnce(KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(clients(ClientRole.SINK).asProperties())
                .setBootstrapServers(conf.get(JobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    @Override
    public void sinkDriftCounts(DataStream<DriftCounts> counts) {
        String topic = conf.get(JobOptions.DRIFT_COUNTS_TOPIC);
        named(counts.sinkTo(sink("drift-counts", ConfluentRecordSerializer.driftCounts(topic, registry()))),
                "drift-counts-sink");
    }

    @Override
    public void sinkLabelDeadLetters(DataStream<DeadLetter> deadLetters) {
        String topic = conf.get(JobOptions.DEAD_LETTERS_TOPIC);
        named(deadLetters.sinkTo(sink("label-dead-letters",
                        ConfluentRecordSerializer.deadLetters(topic, registry()))),
                "label-dead-letters-sink");
    }

    @Override
    public FeatureEventDecoder decoder() {
        return new ConfluentFeatureEventDecoder(registry());
    }

    @Override
    public void sinkPredictions(DataStream<Prediction> predictions) {
        String topic = conf.get(JobOptions.PREDICTIONS_TOPIC);
        named(predictions.sinkTo(sink("predictions", ConfluentRecordSerializer.predictions(topic, registry()))),
                "predictions-sink");
    }

    @Override
    public void sinkDeadLetters(DataStream<DeadLetter> deadLetters) {
        String topic = conf.get(JobOptions.DEAD_LETTERS_TOPIC);
        named(deadLetters.sinkTo(sink("dead-letters", ConfluentRecordSerializer.deadLetters(topic, registry()))),
                "dead-letters-sink");
    }

    /** Bootstrap servers and client properties of {@code role} (checked once per IO). */
    private KafkaClients clients(ClientRole role) {
        return KafkaClients.of(conf, role);
    }

    /** The registry client settings ({@code registry.url}, {@code registry.properties.*}). */
    private RegistrySettings registry() {
        return JobRegistry.settings(conf);
    }

    private <T> KafkaSink<T> sink(String name, KafkaRecordSerializationSchema<T> serializer) {
        DeliveryGuarantee guarantee = conf.get(JobOptions.DELIVERY_GUARANTEE);
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(clients(ClientRole.SINK).asProperties())
                .setBootstrapServers(conf.get(JobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(
                        conf.get(JobOptions.TRANSACTIONAL_ID_PREFIX) + "-" + name)
                .setTransactionNamingStrategy(conf.get(JobOptions.TRANSACTION_NAMING))
                .setProperty(
                        "transaction.timeout.ms",
                        String.valueOf(conf.get(JobOptions.TRANSACTION_TIMEOUT).toMillis()))
                .build();
    }
}
