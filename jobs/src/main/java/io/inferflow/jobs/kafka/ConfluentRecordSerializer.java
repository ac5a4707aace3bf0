package io.inferflow.jobs.kafka;

import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.schemas.avro.Prediction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Writes records of one Avro class to one topic: the value in the Confluent wire format (schema
 * registered under {@code <topic>-value}), the key taken from the record. It names its topic to
 * the sink ({@link KafkaDatasetFacetProvider}), which the POOLING transaction naming needs.
 */
public final class ConfluentRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T>, KafkaDatasetFacetProvider {

    private static final long serialVersionUID = 1L;

    /** The Kafka key of a record; may return null. */
    public interface KeyOf<T> extends Function<T, byte[]>, Serializable {}

    private final String topic;
    private final KeyOf<T> key;
    private final SerializationSchema<T> value;

    public ConfluentRecordSerializer(Class<T> type, String topic, RegistrySettings registry, KeyOf<T> key) {
        this.topic = topic;
        this.key = key;
        this.value = ConfluentAvroSchemas.serializer(type, registry, topic);
    }

    /** Predictions keyed by their entity id. */
    public static ConfluentRecordSerializer<Prediction> predictions(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                Prediction.class, topic, registry,
                p -> p.getEntityId().getBytes(StandardCharsets.UTF_8));
    }

    /** Dead letters keyed by the key of the record that failed. */
    public static ConfluentRecordSerializer<DeadLetter> deadLetters(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                DeadLetter.class, topic, registry, d -> bytes(d.getKey()));
    }

    /** Model statuses keyed by model name. */
    public static ConfluentRecordSerializer<ModelStatus> modelStatus(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                ModelStatus.class, topic, registry,
                s -> s.getModel().getBytes(StandardCharsets.UTF_8));
    }

    /** Drift counts keyed by model and version, so a version's partials keep their order. */
    public static ConfluentRecordSerializer<DriftCounts> driftCounts(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                DriftCounts.class, topic, registry,
                c -> (c.getModel() + '\n' + c.getModelVersion()).getBytes(StandardCharsets.UTF_8));
    }

    public static ConfluentRecordSerializer<DriftReport> driftReport(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                DriftReport.class, topic, registry,
                r -> r.getModel().getBytes(StandardCharsets.UTF_8));
    }

    /** Control records keyed by model name, as {@code pipeline model push} writes them. */
    public static ConfluentRecordSerializer<ModelControl> modelControl(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                ModelControl.class, topic, registry,
                c -> c.getName().getBytes(StandardCharsets.UTF_8));
    }

    /** Rollout reports keyed by model name. */
    public static ConfluentRecordSerializer<RolloutReport> rolloutReport(String topic, RegistrySettings registry) {
        return new ConfluentRecordSerializer<>(
                RolloutReport.class, topic, registry,
                r -> r.getModel().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sink)
            throws Exception {
        value.open(context);
    }

    @Override
    public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
        return Optional.of(
                new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, null, timestamp, key.apply(record), value.serialize(record));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
