package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Kafka broker stopped and started again mid-stream, on the same ports and log directories,
 * while a producer keeps sending: the job loses its sources and its transactions, fails, and
 * recovers from its latest checkpoint once the broker is back; every event is scored once under
 * {@code read_committed}, none is dead-lettered. The cluster check with 30 s down is {@code
 * scripts/cluster-failover.sh --fault broker} (docs/testing/failover.md); here, CI-sized, 15 s.
 */
class BrokerRestartITCase {

    private static final int PARALLELISM = 2;
    private static final int EVENTS = 6_000;
    private static final double RATE = 300;
    private static final Duration DOWN = Duration.ofSeconds(15);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void everyEventOnceAcrossABrokerRestart(@TempDir Path store) throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        Mlp v1 = Mlp.random(41, ControlTestKit.WIDTH, 16, 1);
        JobClient job = ControlTestKit.startInferenceJob(kit.conf(), PARALLELISM, "broker");
        try (ModelControlClient control = kit.client();
                TrackedProducer events = new TrackedProducer(STACK.kafka().bootstrapServers(),
                        kit.registryUrl, kit.features, "fraud", ControlTestKit.WIDTH)) {
            Map<Integer, ModelStatus> finals = control.send(
                    kit.deploy("fraud", 1, 1, v1), Duration.ofSeconds(60), s -> {});
            finals.values().forEach(s -> assertEquals(ModelState.ACTIVE, s.getState()));

            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                Pacer pacer = new Pacer(RATE);
                try {
                    for (int i = 0; i < EVENTS; i++) {
                        pacer.awaitNext();
                        events.send("b-" + i);
                    }
                    events.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(4_000);
            STACK.kafka().restart(DOWN);
            long back = System.nanoTime();
            sending.get(5, TimeUnit.MINUTES);

            Map<String, GenericRecord> scored = predictionsOnce(STACK.kafka().bootstrapServers(),
                    kit.registryUrl, kit.predictions, EVENTS);
            System.out.printf("broker down %d s; every prediction visible %.1f s after it was"
                    + " back%n", DOWN.toSeconds(), (System.nanoTime() - back) / 1e9);
            assertEquals(events.sent().keySet(), scored.keySet(), "every event, once");
            for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
                assertEquals(v1.forward(events.sent().get(e.getKey()).row())[0],
                        firstScore(e.getValue()), 1e-5, e.getKey());
            }
            assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0,
                    Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }
}
