package io.inferflow.jobs.control;

import io.inferflow.jobs.kafka.AvroWireEncoder;
import io.inferflow.jobs.kafka.ClientRole;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.operators.control.ControlSignatures;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.operators.serde.ConfluentAvroSchemas;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutReport;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The operators' side of the control plane: reads the control topic's history, writes control
 * records, and reads what the inference subtasks report on the status topic and what the rollout
 * judge reports on the rollouts topic.
 */
public final class ModelControlClient implements AutoCloseable {

    /** A topic to read does not exist. */
    public static final class MissingTopicException extends IOException {
        public MissingTopicException(String topic) {
            super("topic '" + topic + "' does not exist");
        }
    }

    private final KafkaClients kafka;
    private final String controlTopic;
    private final String statusTopic;
    private final SchemaRegistryClient registry;
    private final DeserializationSchema<ModelControl> controlDecoder;
    private final DeserializationSchema<ModelStatus> statusDecoder;
    private final DeserializationSchema<RolloutReport> rolloutDecoder;
    private KafkaProducer<byte[], byte[]> producer;
    private KeyPair signingKey;

    /**
     * @param kafka the control clients' connection ({@link ClientRole#CONTROL} in a job)
     */
    public ModelControlClient(
            KafkaClients kafka, RegistrySettings registry, String controlTopic,
            String statusTopic) {
        this.kafka = kafka;
        this.controlTopic = controlTopic;
        this.statusTopic = statusTopic;
        this.registry = new SchemaRegistryClient(registry);
        this.controlDecoder = ConfluentAvroSchemas.deserializer(ModelControl.class, registry);
        this.statusDecoder = ConfluentAvroSchemas.deserializer(ModelStatus.class, registry);
        this.rolloutDecoder = ConfluentAvroSchemas.deserializer(RolloutReport.class, registry);
    }

    /** Every record of the control topic, read from the start to the current end. */
    public ControlHistory history() throws IOException {
        ControlHistory history = new ControlHistory();
        records().forEach(history::add);
        return history;
    }

    /**
     * The control topic's records from the start to the current end, in topic order within each
     * partition (every record of a model is in its name's partition).
     */
    public List<ModelControl> records() throws IOException {
        List<ModelControl> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(controlTopic)) {
            if (r.value() != null) {
                out.add(controlDecoder.deserialize(r.value()));
            }
        }
        return out;
    }

    /**
     * Signs every record this client writes with {@code key} (whole, {@link
     * ControlSignatures#sign}), just before it is written; null writes records as they are.
     */
    public ModelControlClient signingWith(KeyPair key) {
        this.signingKey = key;
        return this;
    }

    /**
     * Writes the VERSION record of {@code record}'s version (its descriptor under the key {@code
     * name@vVERSION}, see {@link ControlRecords#version}), signed like every record, without
     * waiting for statuses: the identity that survives compaction.
     */
    public void writeVersion(ModelControl record) throws IOException, InterruptedException {
        write(ControlRecords.version(record));
    }

    /**
     * The latest status each subtask reported per model about its stable version (the statuses
     * without a {@code role}): model -> subtask -> status.
     */
    public Map<String, Map<Integer, ModelStatus>> latestStatuses() throws IOException {
        return latestStatuses(false);
    }

    /**
     * {@link #latestStatuses()}, or with {@code candidates} the latest status each subtask
     * reported per model about a rollout's candidate (the statuses with a {@code role}).
     */
    public Map<String, Map<Integer, ModelStatus>> latestStatuses(boolean candidates)
            throws IOException {
        Map<String, Map<Integer, ModelStatus>> latest = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(statusTopic)) {
            ModelStatus s = statusDecoder.deserialize(r.value());
            if ((s.getRole() != null) != candidates) {
                continue;
            }
            Map<Integer, ModelStatus> bySubtask =
                    latest.computeIfAbsent(s.getModel(), k -> new LinkedHashMap<>());
            ModelStatus previous = bySubtask.get(s.getSubtask());
            if (previous == null || !previous.getAt().isAfter(s.getAt())) {
                bySubtask.put(s.getSubtask(), s);
            }
        }
        return latest;
    }

    /**
     * The latest report per model on {@code rolloutsTopic} (the one with the latest {@code at}):
     * model -> report.
     *
     * @throws MissingTopicException when the topic does not exist
     */
    public Map<String, RolloutReport> latestRolloutReports(String rolloutsTopic)
            throws IOException {
        Map<String, RolloutReport> latest = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(rolloutsTopic)) {
            if (r.value() == null) {
                continue;
            }
            RolloutReport report = rolloutDecoder.deserialize(r.value());
            latest.merge(report.getModel(), report,
                    (a, b) -> b.getAt().isBefore(a.getAt()) ? a : b);
        }
        return latest;
    }

    /**
     * Writes {@code record} and, unless {@code wait} is zero, prints the statuses the subtasks
     * report for its generation until every subtask reached a final state about the version the
     * record is waited on for ({@link #answers}) or {@code wait} passed. Returns those final
     * statuses by subtask (empty when not waiting).
     */
    public Map<Integer, ModelStatus> send(
            ModelControl record, Duration wait, Consumer<ModelStatus> onStatus)
            throws IOException, InterruptedException, TimeoutException {
        try (KafkaConsumer<byte[], byte[]> statuses = consumer()) {
            List<TopicPartition> partitions = partitions(statuses, statusTopic);
            statuses.assign(partitions);
            statuses.seekToEnd(partitions);
            partitions.forEach(statuses::position);
            write(record);
            if (wait.isZero()) {
                return Map.of();
            }
            return awaitFinal(statuses, record, wait, onStatus);
        }
    }

    /**
     * Whether {@code status} says how a subtask ended up with what {@code record} asked for: for a
     * rollout, a status of its candidate (with a {@code role}, of the candidate's version); for
     * any other record, a status of the stable version (no {@code role}: the statuses of a
     * candidate that a promote or abort retires do not count). The control gate's refusal
     * (subtask -1) answers any record: no subtask sees a refused record.
     */
    static Predicate<ModelStatus> answers(ModelControl record) {
        Predicate<ModelStatus> gate = s -> s.getSubtask() < 0;
        if (Rollouts.inProgress(record)) {
            long candidate = record.getCandidate().getVersion();
            return gate.or(s -> s.getRole() != null && s.getVersion() == candidate);
        }
        return gate.or(s -> s.getRole() == null);
    }

    private Map<Integer, ModelStatus> awaitFinal(
            KafkaConsumer<byte[], byte[]> statuses,
            ModelControl record,
            Duration wait,
            Consumer<ModelStatus> onStatus)
            throws IOException, TimeoutException {
        Map<Integer, ModelStatus> finals = new LinkedHashMap<>();
        Predicate<ModelStatus> answers = answers(record);
        int parallelism = -1;
        long deadline = System.nanoTime() + wait.toNanos();
        while (parallelism < 0 || finals.size() < parallelism) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(
                        "after " + wait.toSeconds() + " s, " + finals.size() + " of "
                                + (parallelism < 0 ? "?" : String.valueOf(parallelism))
                                + " subtasks reported on generation " + record.getGeneration()
                                + " of model '" + record.getName() + "'; is the job running"
                                + " and reading '" + controlTopic + "'?");
            }
            for (ConsumerRecord<byte[], byte[]> r : statuses.poll(Duration.ofMillis(200))) {
                ModelStatus s = statusDecoder.deserialize(r.value());
                if (!s.getModel().equals(record.getName())
                        || s.getGeneration() != record.getGeneration()) {
                    continue;
                }
                onStatus.accept(s);
                parallelism = s.getParallelism();
                if (answers.test(s) && s.getState() != ModelState.LOADED) {
                    finals.put(s.getSubtask(), s);
                }
            }
        }
        return finals;
    }

    /** Writes {@code record} (signed first when this client signs) to its model's partition. */
    public void write(ModelControl record) throws IOException, InterruptedException {
        if (producer == null) {
            producer =
                    new KafkaProducer<>(
                            kafka.with(Map.of(
                                    ProducerConfig.ACKS_CONFIG, "all",
                                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")),
                            new ByteArraySerializer(),
                            new ByteArraySerializer());
        }
        if (signingKey != null) {
            ControlSignatures.sign(record, signingKey);
        }
        byte[] value = new AvroWireEncoder<>(registry, controlTopic, record).encode(record);
        byte[] modelKey = record.getName().getBytes(StandardCharsets.UTF_8);
        // Every record of a model goes to its name's partition (VERSION records too, whose own
        // key differs), so a reader sees a model's records in the order they were written.
        int partition =
                Utils.toPositive(Utils.murmur2(modelKey))
                        % producer.partitionsFor(controlTopic).size();
        try {
            producer.send(
                            new ProducerRecord<>(
                                    controlTopic,
                                    partition,
                                    ControlRecords.topicKey(record)
                                            .getBytes(StandardCharsets.UTF_8),
                                    value))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(
                    "could not write to control topic '" + controlTopic + "' at "
                            + kafka.bootstrapServers()
                            + ": " + e.getMessage(),
                    e);
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws IOException {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("reading topic '" + topic + "' timed out after 30 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic)
            throws IOException {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new MissingTopicException(topic);
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo info : infos) {
            out.add(new TopicPartition(topic, info.partition()));
        }
        return out;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(
                kafka.with(Map.of(
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        // A missing topic is reported, never created with the broker's defaults.
                        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
    }
}
