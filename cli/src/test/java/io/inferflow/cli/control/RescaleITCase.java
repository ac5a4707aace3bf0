package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rescaling through savepoints (embedded Kafka with 3 partitions, the registry over HTTP, a
 * MiniCluster with 3 slots, signed models, read_committed): the job streams at parallelism 2
 * with a 30% canary running, stops with a savepoint mid-stream, restores at parallelism 3 (where
 * the canary is promoted), stops again and restores at parallelism 1. Every event gets exactly
 * one prediction; before the promotion each entity is on the version the canary's hash names, at
 * either parallelism; after it every event is scored by v2; nothing becomes a dead letter.
 */
class RescaleITCase {

    private static final int WIDTH = ControlTestKit.WIDTH;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(3);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;
    @TempDir static Path savepoints;

    @Test
    void streamsThroughSavepointsAtParallelismTwoThenThreeThenOne() throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, 3);
        Mlp v1 = Mlp.random(401, WIDTH, 16, 1);
        Mlp v2 = Mlp.random(402, WIDTH, 16, 1);
        Map<String, Integer> phaseOf = new HashMap<>();
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = new TrackedProducer(STACK.kafka().bootstrapServers(),
                        kit.registryUrl, kit.features, "fraud", WIDTH)) {
            JobClient job = start(kit, 2, null);
            ModelControl stable = kit.deploy("fraud", 1, 1, v1);
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            ModelControl canary = RolloutITCase.rollout(stable, kit.deploy("fraud", 2, 2, v2),
                    RolloutMode.CANARY, 30, 2);
            control.send(canary, WAIT, s -> {});

            send(producer, "p2-", 6_000, phaseOf, 0);
            String first = stop(job);
            job = start(kit, 3, first);
            send(producer, "p3-", 6_000, phaseOf, 1);
            // Every event so far scored under the canary, at parallelism 2 or 3, before promoting.
            predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                    12_000);
            ModelControl promote = Rollouts.promote(canary, 3, Instant.now(), "it", "promoted");
            ModelControlITCase.assertAllActive(control.send(promote, WAIT, s -> {}), 2, 3);
            String second = stop(job);
            job = start(kit, 1, second);
            send(producer, "p1-", 6_000, phaseOf, 2);
            try {
                Map<String, GenericRecord> scored = predictionsOnce(
                        STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions,
                        18_000);
                assertEquals(producer.sent().keySet(), scored.keySet(),
                        "exactly one prediction per event across two rescales");
                RolloutITCase.assertCanaryVersions("fraud", 30, producer.sent().values().stream()
                        .filter(s -> phaseOf.get(s.id()) < 2).toList(), scored, v1, v2);
                for (TrackedProducer.Sent sent : producer.sent().values()) {
                    if (phaseOf.get(sent.id()) == 2) {
                        GenericRecord p = scored.get(sent.id());
                        assertEquals(2L, (Long) p.get("model_version"),
                                sent.id() + " after the promotion");
                        assertEquals(v2.forward(sent.row())[0], firstScore(p), 1e-5, sent.id());
                    }
                }
                assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters,
                        0, Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static JobClient start(ControlTestKit kit, int parallelism, String savepoint)
            throws Exception {
        Configuration conf = kit.conf();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        return ControlTestKit.startInferenceJob(
                conf, parallelism, "rescale-it-p" + parallelism + "-" + kit.run);
    }

    private static String stop(JobClient job) throws Exception {
        String path = job.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
        assertTrue(path != null && !path.isEmpty(), "savepoint path");
        return path;
    }

    /** Sends {@code n} events at 4,000/s, flushed, marking each with its phase. */
    private static void send(TrackedProducer producer, String prefix, int n,
            Map<String, Integer> phaseOf, int phase) throws Exception {
        Pacer pacer = new Pacer(4_000);
        for (int i = 0; i < n; i++) {
            pacer.awaitNext();
            producer.send(prefix + i);
            phaseOf.put(prefix + i, phase);
        }
        producer.flush();
    }
}
