package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The waiting bound under unaligned checkpoints and a failover: events of a model no record
 * named yet fill {@code inference.waiting.max-events} on every subtask, so the operator sits in
 * its event callback, yielding to its mailbox, while unaligned barriers arrive; then the
 * TaskManager dies, the job restores, the model is pushed, and every event comes out once.
 *
 * <p>The risk it guards: a checkpoint taken while the operator yields inside {@code
 * processElement1} would hold the source position past the event in hand but not the event
 * itself, and the restore would lose it. What happens instead (printed by the test; 0 of the
 * about 20 that the 200 ms interval would complete in the 4 s window, every run so far): no
 * checkpoint completes while the operator is blocked; the barrier is processed once the event in
 * hand is routed, so every checkpoint holds each event either in the source position or in the
 * waiting-events state. Checkpoints are delayed, not broken, for as long as the block lasts (at
 * most the unknown-model grace or the load timeout).
 */
class WaitingBoundFailoverITCase {

    private static final int PARALLELISM = 2;
    private static final int EVENTS = 400;

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void everyEventOnceAfterAFailoverWhileBlockedAtTheBound(
            @TempDir Path store, @InjectMiniCluster MiniCluster cluster) throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        Configuration conf = kit.conf();
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(200));
        conf.set(InferenceOptions.WAITING_MAX_EVENTS, 20);
        conf.set(InferenceOptions.UNKNOWN_MODEL_GRACE, Duration.ofMinutes(3));
        Mlp late = Mlp.random(31, ControlTestKit.WIDTH, 8, 1);

        JobClient job = ControlTestKit.startInferenceJob(conf, PARALLELISM, "waiting-bound");
        try (ModelControlClient control = kit.client();
                TrackedProducer events = new TrackedProducer(STACK.kafka().bootstrapServers(),
                        kit.registryUrl, kit.features, "late", ControlTestKit.WIDTH)) {
            // Running and checkpointing first, so that the window below is the block alone.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (completedCheckpoints(cluster, job) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            for (int i = 0; i < EVENTS; i++) {
                events.send("w-" + i);
            }
            events.flush();
            // Both subtasks fill their 20 places and block on the 21st; barriers keep coming.
            Thread.sleep(1_000);
            long before = completedCheckpoints(cluster, job);
            Thread.sleep(4_000);
            long during = completedCheckpoints(cluster, job) - before;
            System.out.println("checkpoints completed while blocked at the bound: " + during
                    + " (" + before + " before)");
            cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
            cluster.startTaskManager();

            Map<Integer, ModelStatus> finals = control.send(
                    kit.deploy("late", 1, 1, late), Duration.ofSeconds(120), s -> {});
            assertEquals(PARALLELISM, finals.size(), finals.toString());
            finals.values().forEach(s -> assertEquals(ModelState.ACTIVE, s.getState(),
                    s.toString()));

            Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                    kit.registryUrl, kit.predictions, EVENTS);
            assertEquals(events.sent().keySet(), scored.keySet(), "every event, once");
            for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
                assertEquals(late.forward(events.sent().get(e.getKey()).row())[0],
                        firstScore(e.getValue()), 1e-5, e.getKey());
            }
            assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0,
                    Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
            System.out.println("checkpoints completed after the restore: "
                    + completedCheckpoints(cluster, job));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static long completedCheckpoints(MiniCluster cluster, JobClient job)
            throws Exception {
        return cluster.getExecutionGraph(job.getJobID()).get()
                .getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }
}
