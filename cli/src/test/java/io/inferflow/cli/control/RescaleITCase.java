package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.model.profile.ProfileBuilder;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
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
 * either parallelism; after it every event is scored by v2; nothing becomes a dead letter; the
 * drift counts committed per version add up to that version's predictions.
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
            // Both versions count drift: the counts must survive the rescales too.
            stable.setProfile(profile(v1));
            ModelControlITCase.assertAllActive(control.send(stable, WAIT, s -> {}), 1);
            ModelControl canary = RolloutITCase.rollout(stable, kit.deploy("fraud", 2, 2, v2),
                    RolloutMode.CANARY, 30, 2);
            canary.getCandidate().setProfile(profile(v2));
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
                assertDriftCountsAddUp(kit, scored);
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The drift counts committed to the drift-counts topic (what the evaluation job's windows
     * add up), summed per version, equal the predictions of that version: no count lost or
     * doubled across two savepoints and three parallelisms.
     */
    private static void assertDriftCountsAddUp(ControlTestKit kit,
            Map<String, GenericRecord> scored) throws Exception {
        Map<Long, Long> predicted = new TreeMap<>();
        scored.values().forEach(p -> predicted.merge((Long) p.get("model_version"), 1L,
                Long::sum));
        AvroJson avro = new AvroJson(new SchemaRegistryClient(kit.registryUrl));
        Map<Long, Long> counted = new TreeMap<>();
        try {
            CommonTestUtils.waitUtil(() -> {
                counted.clear();
                for (ConsumerRecord<byte[], byte[]> r : readCommitted(
                        STACK.kafka().bootstrapServers(), kit.driftCounts, Integer.MAX_VALUE,
                        Duration.ofSeconds(1), Duration.ZERO)) {
                    GenericRecord counts;
                    try {
                        counts = avro.decode(r.value());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    counted.merge((Long) counts.get("model_version"), (Long) counts.get("events"),
                            Long::sum);
                }
                return counted.equals(predicted);
            }, WAIT, Duration.ofMillis(500), "drift counts per version");
        } catch (java.util.concurrent.TimeoutException e) {
            assertEquals(predicted, counted, "drift counts per version vs predictions");
        }
        assertEquals(18_000L, counted.values().stream().mapToLong(Long::longValue).sum());
    }

    /** A reference profile of the model on standard normal rows. */
    private static String profile(Mlp mlp) throws Exception {
        Random random = new Random(3);
        float[][] rows = new float[2_000][WIDTH];
        for (float[] row : rows) {
            for (int i = 0; i < WIDTH; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return ProfileBuilder.build(mlp.toOnnx("features"), rows, 10).toJson();
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
