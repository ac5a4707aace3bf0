package io.inferflow.cli.control;

import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.cli.CliRun;
import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.job.FlinkRestClient;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code pipeline job list/stop/start} against the REST API of a MiniCluster (embedded Kafka with
 * 2 partitions, the registry over HTTP, signed models, read_committed): the inference job runs
 * at parallelism 2; {@code job stop} into a directory that cannot be written fails with Flink's
 * reason and leaves the job running; {@code job stop NAME} writes a savepoint and the job
 * FINISHES; events
 * produced meanwhile wait in Kafka; {@code job start --jar --from-savepoint --parallelism 1}
 * uploads the job jar ({@code jobs/target/inferflow-job.jar}, built by the reactor before this
 * module) and the restored job scores them: every event exactly one prediction, no dead letter.
 */
class JobSavepointCommandsITCase {

    private static final int WIDTH = ControlTestKit.WIDTH;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Path JOB_JAR = Path.of("..", "jobs", "target", "inferflow-job.jar");

    /**
     * Parent-first class loading: this MiniCluster has the whole product on its classpath (a
     * session cluster has only Flink's), so the jar's own copies of Avro and flink-avro would
     * clash with the test's. The jar's classes on a Flink-only classpath are what
     * {@code scripts/cluster-failover.sh} runs.
     */
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(Configuration.fromMap(
                            Map.of(CoreOptions.CLASSLOADER_RESOLVE_ORDER.key(), "parent-first")))
                    .build());

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @TempDir static Path store;
    @TempDir static Path savepoints;

    @Test
    void stopsWithASavepointAndStartsTheJarFromItAtAnotherParallelism() throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR),
                "needs the job jar: mvn -pl jobs package (" + JOB_JAR.toAbsolutePath() + ")");
        String rest = restUrl();
        ControlTestKit kit = new ControlTestKit(STACK, store, 2);
        String name = "job-commands-it-" + kit.run;
        String bootstrap = STACK.kafka().bootstrapServers();
        try (ModelControlClient control = kit.client();
                TrackedProducer producer = new TrackedProducer(bootstrap, kit.registryUrl,
                        kit.features, "fraud", WIDTH)) {
            JobClient job = ControlTestKit.startInferenceJob(kit.conf(), 2, name);
            ModelControlITCase.assertAllActive(control.send(
                    kit.deploy("fraud", 1, 1, Mlp.random(501, WIDTH, 16, 1)), WAIT, s -> {}), 1);
            send(producer, "before-", 1_000);

            CliRun list = CliRun.of("job", "list", "--rest", rest);
            assertEquals(0, list.exit(), list.toString());
            assertTrue(list.out().contains(job.getJobID() + "  RUNNING"), list.toString());

            CliRun unknown = CliRun.of("job", "stop", "no-such-job", "--savepoint-dir",
                    savepoints.toUri().toString(), "--rest", rest);
            assertEquals(2, unknown.exit(), unknown.toString());
            assertTrue(unknown.err().contains("no running job named 'no-such-job' at " + rest),
                    unknown.toString());

            CliRun failed = CliRun.of("job", "stop", name, "--savepoint-dir",
                    "file:///proc/no-savepoints-here", "--rest", rest);
            assertEquals(1, failed.exit(), failed.toString());
            assertTrue(failed.err().contains("savepoint of job " + job.getJobID() + " failed: "),
                    failed.toString());
            assertEquals(JobStatus.RUNNING, job.getJobStatus().get(30, TimeUnit.SECONDS),
                    "a failed savepoint leaves the job running");

            CliRun stop = CliRun.of("job", "stop", name, "--savepoint-dir",
                    savepoints.toUri().toString(), "--rest", rest);
            assertEquals(0, stop.exit(), stop.toString());
            String savepoint = valueAfter(stop.out(), "savepoint: ");
            assertTrue(Files.isRegularFile(Path.of(URI.create(savepoint)).resolve("_metadata")),
                    "savepoint " + savepoint + "\n" + stop);
            assertEquals(JobStatus.FINISHED, job.getJobStatus().get(30, TimeUnit.SECONDS));

            send(producer, "stopped-", 1_000);
            CliRun start = CliRun.of(startArgs(rest, savepoint, kit.conf()));
            assertEquals(0, start.exit(), start.toString());
            String restored = valueAfter(start.out(), "job ").split(" ")[0];
            try {
                send(producer, "after-", 1_000);
                Map<String, GenericRecord> scored =
                        predictionsOnce(bootstrap, kit.registryUrl, kit.predictions, 3_000);
                assertEquals(producer.sent().keySet(), scored.keySet(),
                        "exactly one prediction per event across the stop and the start");
                assertEquals(0, readCommitted(bootstrap, kit.deadLetters, 0, Duration.ZERO,
                        Duration.ofSeconds(1)).size(), "dead letters");
            } finally {
                new FlinkRestClient(rest).cancel(restored);
            }
        }
    }

    private static String[] startArgs(String rest, String savepoint, Configuration conf) {
        List<String> args = new ArrayList<>(List.of("job", "start", "--jar",
                JOB_JAR.toString(), "--from-savepoint", savepoint, "--parallelism", "1",
                "--rest", rest));
        conf.toMap().forEach((k, v) -> {
            args.add("-D");
            args.add(k + "=" + v);
        });
        return args.toArray(String[]::new);
    }

    private static String restUrl() {
        Configuration client = FLINK.getClientConfiguration();
        return "http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT);
    }

    private static void send(TrackedProducer producer, String prefix, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            producer.send(prefix + i);
        }
        producer.flush();
    }

    /** The rest of the first line of {@code out} that starts with {@code prefix}. */
    private static String valueAfter(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> l.substring(prefix.length()).strip())
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in\n" + out));
    }
}
