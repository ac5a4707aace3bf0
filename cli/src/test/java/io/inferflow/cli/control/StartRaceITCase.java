package io.inferflow.cli.control;

import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.jobs.InferencePipeline;
import io.inferflow.jobs.KafkaPipelineIo;
import io.inferflow.jobs.ModelSetup;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A job that starts with a backlog waiting for models whose control records arrive at the same
 * moment (or once the first is ACTIVE): no event is dead-lettered for being early. Events of a model
 * that never comes still go to dead letters, once its grace has passed.
 */
class StartRaceITCase {

    private static final int PARALLELISM = 2;
    private static final int BACKLOG = 10_000;
    private static final int LATE = 500;
    private static final int NEVER = 50;
    private static final Duration GRACE = Duration.ofSeconds(10);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void earlyEventsWaitForTheirModelsInsteadOfDeadLetters(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        Set<String> expected = new HashSet<>();
        try (TrackedProducer fraud = producer(kit, "fraud");
                TrackedProducer late = producer(kit, "late");
                TrackedProducer never = producer(kit, "never")) {
            for (int i = 0; i < BACKLOG; i++) {
                fraud.send("f-" + i);
                expected.add("f-" + i);
            }
            for (int i = 0; i < LATE; i++) {
                late.send("l-" + i);
                expected.add("l-" + i);
            }
            for (int i = 0; i < NEVER; i++) {
                never.send("n-" + i);
            }
            fraud.flush();
            late.flush();
            never.flush();
        }

        Configuration conf = kit.conf();
        conf.set(InferenceOptions.UNKNOWN_MODEL_GRACE, GRACE);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        // Built before any control record exists: nothing to bootstrap from.
        InferencePipeline.build(env, KafkaPipelineIo.unbounded(conf), conf,
                ModelSetup.resolve(conf));
        JobClient job = env.executeAsync("start-race-" + kit.run);
        try (ModelControlClient control = kit.client()) {
            // "late" is deployed only once "fraud" is ACTIVE on every subtask, so its events
            // have been waiting for an unknown model by then.
            ModelControlITCase.assertAllActive(control.send(
                    kit.deploy("fraud", 1, 1, Mlp.random(7, ControlTestKit.WIDTH, 16, 1)),
                    Duration.ofSeconds(60), s -> {}), 1);
            control.send(kit.deploy("late", 1, 1, Mlp.random(8, ControlTestKit.WIDTH, 16, 1)),
                    Duration.ZERO, s -> {});

            Map<String, GenericRecord> scored = predictionsOnce(
                    STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                    expected.size());
            List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(
                    STACK.kafka().bootstrapServers(), kit.deadLetters, NEVER,
                    GRACE.multipliedBy(3), Duration.ofSeconds(2));
            job.cancel().get(30, TimeUnit.SECONDS);

            assertEquals(expected, scored.keySet(), "every early event scored");
            AvroJson avro = new AvroJson(new SchemaRegistryClient(kit.registryUrl));
            assertEquals(NEVER, deadLetters.size(), "only the model that never came");
            for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
                GenericRecord d = avro.decode(r.value());
                assertEquals(ErrorTypes.UNKNOWN_MODEL, d.get("error_type").toString());
                assertTrue(d.get("event_id").toString().startsWith("n-"), d.toString());
            }
        }
    }

    private static TrackedProducer producer(ControlTestKit kit, String model) throws Exception {
        return new TrackedProducer(STACK.kafka().bootstrapServers(), kit.registryUrl,
                kit.features, model, ControlTestKit.WIDTH);
    }
}
