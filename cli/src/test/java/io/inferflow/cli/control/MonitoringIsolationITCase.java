package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.EvaluationIo;
import io.inferflow.jobs.EvaluationPipeline;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.labels.LabelOptions;
import io.inferflow.operators.serde.ConfluentDecoder;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.Label;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.inferflow.cli.control.ModelControlITCase.assertAllActive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Monitoring cannot stop serving: while events stream, the evaluation job meets a poison label
 * that makes one of its operators throw, again after every restore. The inference job beside it
 * goes on: every event gets exactly one prediction (read committed), without a gap of more than a
 * few checkpoint intervals.
 */
class MonitoringIsolationITCase {

    private static final int PARALLELISM = 2;
    private static final int EVENTS = 12_000;
    private static final int RATE = 1_000;
    private static final Duration CHECKPOINTS = Duration.ofMillis(500);
    private static final String POISON = "poison-label";
    /** How often the evaluation job met the poison label (its operator threw). */
    private static final AtomicInteger POISONED = new AtomicInteger();

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(2 * PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void predictionsKeepFlowingWhileTheEvaluationJobFailsOverAndOver(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        String labels = "labels-" + kit.run;
        STACK.kafka().createTopics(PARALLELISM, labels);
        Configuration conf = kit.conf();
        conf.set(JobOptions.LABELS_TOPIC, labels);
        conf.set(LabelOptions.ENABLED, true);
        conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL,
                CHECKPOINTS);

        JobClient inference = start(conf, "isolation-inference-" + kit.run,
                env -> InferencePipeline.build(
                        env, KafkaPipelineIo.unbounded(conf), conf, ModelSetup.resolve(conf)));
        Configuration evaluationConf = new Configuration(conf);
        evaluationConf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        evaluationConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10_000);
        evaluationConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                Duration.ofMillis(100));
        JobClient evaluation = start(evaluationConf, "isolation-evaluation-" + kit.run,
                env -> EvaluationPipeline.build(
                        env, new PoisonedLabels(KafkaPipelineIo.unbounded(evaluationConf)),
                        evaluationConf));
        try (ModelControlClient control = kit.client();
                TrackedProducer producer =
                        new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                                kit.features, "fraud", ControlTestKit.WIDTH);
                FeatureProducer labelProducer =
                        new FeatureProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                                kit.features).labelsTo(labels)) {
            assertAllActive(control.send(kit.deploy("fraud", 1, 1, Mlp.random(3,
                    ControlTestKit.WIDTH, 16, 1)), Duration.ofSeconds(60), s -> {}), 1);
            // Read as a downstream service does, while the events stream.
            PredictionWatch watch = new PredictionWatch(kit);
            Thread reader = new Thread(watch, "prediction-watch");
            reader.start();
            Pacer pacer = new Pacer(RATE);
            for (int i = 0; i < EVENTS; i++) {
                pacer.awaitNext();
                String id = "e-" + i;
                producer.send(id);
                labelProducer.sendLabel(id, i % 2);
                if (i == EVENTS / 10) {
                    labelProducer.sendLabel(POISON, 1);
                }
                if (i % 500 == 499) {
                    producer.flush();
                    labelProducer.flush();
                }
            }
            producer.flush();
            reader.join(TimeUnit.MINUTES.toMillis(3));
            Map<String, Integer> seen = watch.seen;
            List<Long> readAt = watch.readAt;

            assertEquals(EVENTS, seen.size(), "events with a prediction");
            assertTrue(seen.values().stream().allMatch(n -> n == 1),
                    "every event exactly one prediction");
            assertTrue(POISONED.get() >= 2,
                    "the evaluation job failed and failed again after its restore: "
                            + POISONED.get());
            long maxGap = 0;
            for (int i = 1; i < readAt.size(); i++) {
                maxGap = Math.max(maxGap, readAt.get(i) - readAt.get(i - 1));
            }
            System.out.printf("monitoring isolation: %,d predictions, evaluation job failed %d"
                    + " times, longest gap between committed predictions %,d ms%n",
                    seen.size(), POISONED.get(), maxGap);
            assertTrue(maxGap <= 8 * CHECKPOINTS.toMillis(),
                    "longest gap between predictions " + maxGap + " ms");
        } finally {
            for (JobClient job : List.of(inference, evaluation)) {
                if (!job.getJobStatus().get().isTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * Reads predictions read-committed from the start until all came (or 2 min), then a few
     * checkpoints more so that a repeated one would show, noting when each came.
     */
    private static final class PredictionWatch implements Runnable {

        final Map<String, Integer> seen = new HashMap<>();
        final List<Long> readAt = new ArrayList<>();
        private final ControlTestKit kit;

        PredictionWatch(ControlTestKit kit) {
            this.kit = kit;
        }

        @Override
        public void run() {
            AvroJson avro = new AvroJson(new SchemaRegistryClient(kit.registryUrl));
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(
                            Map.of(
                                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    STACK.kafka().bootstrapServers(),
                                    ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(kit.predictions));
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                long settleUntil = Long.MAX_VALUE;
                while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                    for (ConsumerRecord<byte[], byte[]> r :
                            consumer.poll(Duration.ofMillis(20))) {
                        GenericRecord p = avro.decode(r.value());
                        seen.merge(p.get("event_id").toString(), 1, Integer::sum);
                        readAt.add(System.currentTimeMillis());
                    }
                    if (seen.size() >= EVENTS && settleUntil == Long.MAX_VALUE) {
                        settleUntil = System.nanoTime() + 4 * CHECKPOINTS.toNanos();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private interface Graph {
        void build(StreamExecutionEnvironment env) throws Exception;
    }

    private static JobClient start(Configuration conf, String name, Graph graph)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        graph.build(env);
        return env.executeAsync(name);
    }

    /** The real evaluation I/O, whose labels pass an operator that throws on the poison. */
    private static final class PoisonedLabels implements EvaluationIo {

        private final KafkaPipelineIo real;

        PoisonedLabels(KafkaPipelineIo real) {
            this.real = real;
        }

        @Override
        public DataStream<RawRecord> labels(StreamExecutionEnvironment env) {
            return real.labels(env)
                    .map(MonitoringIsolationITCase::throwOnPoison)
                    .name("poisoned")
                    .uid("poisoned");
        }

        @Override
        public DataStream<Prediction> predictions(StreamExecutionEnvironment env) {
            return real.predictions(env);
        }

        @Override
        public ConfluentDecoder<Label> labelDecoder() {
            return real.labelDecoder();
        }

        @Override
        public DataStream<DriftCounts> driftCounts(StreamExecutionEnvironment env) {
            return real.driftCounts(env);
        }

        @Override
        public void sinkDrift(DataStream<DriftReport> reports) {
            real.sinkDrift(reports);
        }

        @Override
        public void sinkLabelDeadLetters(DataStream<DeadLetter> deadLetters) {
            real.sinkLabelDeadLetters(deadLetters);
        }
    }

    private static RawRecord throwOnPoison(RawRecord r) {
        if (new String(r.value, StandardCharsets.ISO_8859_1).contains(POISON)) {
            POISONED.incrementAndGet();
            throw new IllegalStateException("poison label at offset " + r.offset);
        }
        return r;
    }
}
