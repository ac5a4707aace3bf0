package io.inferflow.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.jobs.EvaluationPipeline;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.kafka.AvroWireEncoder;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelJoinFunction;
import io.inferflow.operators.labels.LabelOptions;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The labels join under predictions whose labels never arrive: it holds {@code labels.max-pending}
 * event ids per subtask, evicts the rest and counts them, and its checkpoints (Flink's own
 * checkpoint statistics) stop growing once it is full.
 */
class LabelJoinBoundITCase {

    private static final int PARALLELISM = 2;
    private static final int BOUND = 1_000;
    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void staysAtItsBoundWhenLabelsNeverArrive(@TempDir Path store) throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        String labels = "labels-" + kit.run;
        STACK.kafka().createTopics(PARALLELISM, labels);
        Configuration conf = kit.conf();
        conf.set(JobOptions.LABELS_TOPIC, labels);
        conf.set(LabelOptions.ENABLED, true);
        conf.set(LabelOptions.MAX_PENDING, BOUND);
        conf.set(DriftOptions.ENABLED, false);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        EvaluationPipeline.build(env, KafkaPipelineIo.unbounded(conf), conf);
        JobClient job = env.executeAsync("label-bound-" + kit.run);
        try (KafkaProducer<byte[], byte[]> producer = producer();
                Checkpoints checkpoints = new Checkpoints(job.getJobID())) {
            AvroWireEncoder<Prediction> encoder =
                    new AvroWireEncoder<>(
                            new SchemaRegistryClient(kit.registryUrl), kit.predictions,
                            prediction("e-0"));
            send(producer, encoder, kit.predictions, 0, 20_000);
            await(() -> sum(job.getJobID(), LabelJoinFunction.EVICTED) == 20_000 - PARALLELISM * BOUND,
                    "evictions after 20,000 predictions");
            long first = checkpoints.sizeOfNextCompleted();

            send(producer, encoder, kit.predictions, 20_000, 80_000);
            await(() -> sum(job.getJobID(), LabelJoinFunction.EVICTED) == 80_000 - PARALLELISM * BOUND,
                    "evictions after 80,000 predictions");
            long last = checkpoints.sizeOfNextCompleted();

            assertEquals(PARALLELISM * BOUND, sum(job.getJobID(), LabelJoinFunction.PENDING),
                    "event ids held, all subtasks");
            System.out.printf("labels join bound %,d per subtask: checkpoint %,d bytes after"
                    + " 20,000 predictions, %,d bytes after 80,000; %,d evicted%n",
                    BOUND, first, last, sum(job.getJobID(), LabelJoinFunction.EVICTED));
            assertTrue(first > PARALLELISM * BOUND * 20L,
                    "the held entries are in the checkpoint: " + first + " bytes");
            assertTrue(last <= first * 1.2,
                    "checkpoint grew from " + first + " to " + last + " bytes at a full join");
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer, AvroWireEncoder<Prediction> encoder,
            String topic, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            String id = "e-" + i;
            producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                    encoder.encode(prediction(id))));
        }
        producer.flush();
    }

    private static Prediction prediction(String id) {
        return Prediction.newBuilder()
                .setEventId(id)
                .setEntityId("u")
                .setModel("fraud")
                .setModelVersion(1)
                .setScores(List.of(0.5f))
                .setEventTime(Instant.now())
                .setScoredAt(Instant.now())
                .build();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The sum over subtasks of the labels join's counter or gauge {@code name}. */
    private static long sum(JobID job, String name) {
        long total = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> e :
                METRICS.getMetricsByGroup().entrySet()) {
            String[] scope = e.getKey().getScopeComponents();
            Metric m = e.getValue().get(name);
            if (m != null
                    && scope[scope.length - 1].equals(LabelJoinFunction.GROUP)
                    && job.toString().equals(e.getKey().getAllVariables().get("<job_id>"))) {
                total += m instanceof Counter c
                        ? c.getCount()
                        : ((Number) ((Gauge<?>) m).getValue()).longValue();
            }
        }
        return total;
    }

    private static void await(Supplier<Boolean> condition, String what) throws Exception {
        CommonTestUtils.waitUtil(condition, Duration.ofMinutes(2), Duration.ofMillis(50),
                what + " did not happen within 2 min");
    }

    /** The job's checkpoint statistics, from the MiniCluster's REST API. */
    private static final class Checkpoints implements AutoCloseable {

        private final JobID job;
        private final HttpClient http = HttpClient.newHttpClient();
        private final String base;

        Checkpoints(JobID job) {
            this.job = job;
            Configuration client = FLINK.getClientConfiguration();
            this.base = "http://" + client.get(RestOptions.ADDRESS) + ":"
                    + client.get(RestOptions.PORT);
        }

        /** The state size of the first checkpoint that completes from now on. */
        long sizeOfNextCompleted() throws Exception {
            long after = latest().path("id").asLong(-1);
            long[] size = {-1};
            await(() -> {
                JsonNode latest = latest();
                if (latest.path("id").asLong(-1) > after + 1) {
                    size[0] = latest.path("state_size").asLong();
                    return true;
                }
                return false;
            }, "a new checkpoint");
            return size[0];
        }

        private JsonNode latest() {
            try {
                HttpResponse<String> r =
                        http.send(HttpRequest.newBuilder(URI.create(
                                        base + "/jobs/" + job + "/checkpoints")).build(),
                                HttpResponse.BodyHandlers.ofString());
                return new ObjectMapper().readTree(r.body()).path("latest").path("completed");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {}
    }
}
