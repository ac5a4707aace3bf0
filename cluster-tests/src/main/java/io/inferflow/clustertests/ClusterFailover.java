package io.inferflow.clustertests;

import io.inferflow.cli.job.FlinkRestException;
import io.inferflow.jobs.InferenceJob;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.RegistrySettings;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.cli.io.AvroJson;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Exactly-once across a TaskManager crash on a real multi-process Flink cluster: embedded Kafka
 * broker and Schema Registry in this JVM, a standalone Flink cluster (one JobManager, two
 * TaskManagers with one slot each) as separate JVMs, {@code inferflow-job.jar} submitted through the
 * REST API, a signed demo model pushed through the control topic, then a paced stream of events
 * during which one TaskManager is SIGKILLed and a replacement started. Passes when every
 * event's prediction is readable exactly once with {@code read_committed} and no dead letter
 * was written; reports the recovery times. Started by {@code scripts/cluster-failover.sh}.
 */
@Command(
        name = "cluster-failover",
        mixinStandardHelpOptions = true,
        description =
                "Starts Kafka + registry + a standalone Flink cluster (separate JVMs), runs the"
                        + " job from inferflow-job.jar, SIGKILLs a TaskManager mid-stream, checks"
                        + " exactly-once on the predictions topic (read_committed).")
public final class ClusterFailover extends ClusterCheck<ClusterFailover> implements Callable<Integer> {

    public ClusterFailover() {
        super(30_000, 500);
    }

    @Option(names = "--kill-at", description =
            "Fraction of the events sent when the TaskManager is killed (default ${DEFAULT-VALUE}).")
    double killAt = 0.4;

    @Option(names = "--tm-stack-size", paramLabel = "SIZE", description =
            "-Xss for TaskManagers (default: the JVM's). Not needed since OnnxModel creates"
                    + " ONNX Runtime's environment on a large-stack thread; see docs/testing/failover.md.")
    String tmStackSize = "";

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterFailover()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Result result = run();
        return result.passed() ? 0 : 1;
    }

    /** What a run measured and what it found wrong (nothing when it passed). */
    public record Result(
            int events,
            long predictions,
            long distinct,
            long duplicates,
            long missing,
            long deadLetters,
            long restarts,
            long detectMillis,
            long runningMillis,
            long firstCommitMillis,
            long allPredictionsMillis,
            Path workDir,
            List<String> violations) implements Outcome {

        public boolean passed() {
            return violations.isEmpty();
        }
    }

    public Result run() throws Exception {
        return runCheck(this::check);
    }

    private Result check(String classpath, Path dir, List<String> violations)
            throws Exception {
        try (StreamRig rig = new StreamRig(dir, 2)) {
            say("Kafka %s, Schema Registry %s", rig.bootstrap(), rig.registryUrl());
            Path jobConfig = rig.writeJobConfig(dir, checkpointInterval, deliveryMode, List.of());

            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("taskmanager.numberOfTaskSlots", "1");
            overrides.put("parallelism.default", "2");
            overrides.putAll(flinkOptions);
            try (StandaloneCluster cluster =
                    new StandaloneCluster(classpath, flinkConf, dir.resolve("flink"), overrides)
                            .taskManagerJvmOptions(
                                    tmStackSize.isBlank()
                                            ? List.of()
                                            : List.of("-Xss" + tmStackSize))) {
                FlinkRest rest = new FlinkRest(cluster.restUrl());
                cluster.startJobManager();
                cluster.startTaskManager("tm-1");
                cluster.startTaskManager("tm-2");
                awaitTaskManagers(rest, cluster, 2, Duration.ofSeconds(120));
                say("Flink cluster up: JobManager %s, TaskManagers tm-1 (pid %d), tm-2 (pid %d),"
                                + " logs in %s",
                        cluster.restUrl(), cluster.pid("tm-1"), cluster.pid("tm-2"),
                        cluster.dir());

                long t0 = System.nanoTime();
                String jarId = rest.uploadJar(jobJar);
                String jobId =
                        rest.run(jarId, InferenceJob.class.getName(),
                                List.of("--config", jobConfig.toString()), 2);
                say("submitted %s through the REST API in %d ms: job %s",
                        jobJar.getFileName(), millisSince(t0), jobId);
                awaitRunning(rest, cluster, jobId, Duration.ofSeconds(180));
                say("job RUNNING with all tasks");

                try {
                    int subtasks = rig.deployModel("cluster-failover");
                    say("model %s v1 (signed) ACTIVE on %d/%d subtasks", StreamRig.MODEL,
                            subtasks, subtasks);
                } finally {
                    cluster.deadProcesses().forEach(d -> say("process died: %s", d));
                }

                try (CommittedPredictions verifier = rig.predictions()) {
                    PacedEvents producer = rig.events(events, rate);
                    Thread producerThread = producer.start();
                    say("producing %,d events at %.0f/s", events, rate);

                    long killAfter = Math.max(1, (long) (events * killAt));
                    Await.until(Duration.ofMinutes(10), Duration.ofMillis(20),
                            () -> (producer.sent.get() >= killAfter
                                            && verifier.predictions.get() > 0)
                                    || !producerThread.isAlive());
                    long restartsBefore = rest.maxAttempt(jobId);
                    long seenBefore = verifier.predictions.get();
                    long killMillis = System.currentTimeMillis();
                    long kill = System.nanoTime();
                    verifier.markMillis = killMillis;
                    cluster.kill("tm-1");
                    say("SIGKILLed tm-1 after %,d events sent, %,d predictions committed",
                            producer.sent.get(), seenBefore);
                    cluster.startTaskManager("tm-3");
                    say("started replacement tm-3 (pid %d)", cluster.pid("tm-3"));

                    long[] detect = {-1};
                    long[] running = {-1};
                    long[] restarts = {restartsBefore};
                    Await.until(Duration.ofMinutes(4), Duration.ofMillis(100), () -> {
                        boolean allRunning = rest.allRunning(jobId);
                        boolean recovered = rest.runningSince(jobId, killMillis);
                        restarts[0] = rest.maxAttempt(jobId);
                        if (detect[0] < 0 && (!allRunning || restarts[0] > restartsBefore)) {
                            detect[0] = millisSince(kill);
                            say("failure noticed by the JobManager after %,d ms", detect[0]);
                        }
                        if (detect[0] >= 0 && recovered) {
                            running[0] = millisSince(kill);
                        }
                        return running[0] >= 0;
                    });
                    if (running[0] < 0) {
                        violations.add("job not RUNNING with all tasks 4 min after the kill: "
                                + rest.job(jobId).path("state").asText());
                    } else {
                        say("job RUNNING again with all tasks %,d ms after the kill"
                                + " (restarts: %d)", running[0], restarts[0] - restartsBefore);
                    }

                    producerThread.join(Duration.ofMinutes(15).toMillis());
                    say("producer done: %,d sent, %,d failed", producer.sent.get(),
                            producer.failed.get());
                    if (producer.error != null) {
                        violations.add("producer failed: " + producer.error);
                    }
                    Await.until(Duration.ofMinutes(3), Duration.ofMillis(100),
                            () -> verifier.distinct() >= events);
                    long all = millisSince(kill);
                    // Keep reading two more checkpoints, so that a late duplicate would show.
                    long checkpoints = rest.completedCheckpoints(jobId);
                    Await.until(Duration.ofMinutes(1), Duration.ofMillis(250),
                            () -> rest.completedCheckpoints(jobId) >= checkpoints + 2);
                    verifier.close();

                    long firstCommit =
                            verifier.firstAfterMark < 0 ? -1 : verifier.firstAfterMark - killMillis;
                    if (producer.sent.get() != events) {
                        violations.add("producer acknowledged " + producer.sent.get() + " of "
                                + events + " events");
                    }
                    violations.addAll(verifier.violations(rig.runId, events, repeatsAllowed()));
                    if (restarts[0] <= restartsBefore) {
                        violations.add("the job never restarted after the kill");
                    }
                    if (firstCommit < 0) {
                        violations.add("no prediction scored after the kill was committed");
                    }
                    cluster.deadProcesses().forEach(d -> violations.add("process died: " + d));

                    long distinct = verifier.distinct();
                    Result result =
                            new Result(events, verifier.predictions.get(), distinct,
                                    verifier.duplicates(), verifier.missing(rig.runId, events),
                                    verifier.deadLetters.get(),
                                    restarts[0] - restartsBefore, detect[0], running[0],
                                    firstCommit, all,
                                    dir, violations);
                    try {
                        rest.cancel(jobId);
                    } catch (FlinkRestException e) {
                        say("cancel failed: %s", e);
                    }
                    report(result);
                    return result;
                }
            }
        }
    }

    private void report(Result r) {
        out.println();
        out.println("cluster failover (" + deliveryMode + ") "
                + (r.passed() ? "PASSED" : "FAILED"));
        out.printf("  events sent             %,d%n", r.events());
        out.printf("  predictions (committed) %,d (%,d distinct event ids, %,d duplicates%s,"
                + " %,d missing)%n", r.predictions(), r.distinct(), r.duplicates(),
                repeatsAllowed() ? " allowed at-least-once" : "", r.missing());
        out.printf("  dead letters            %,d%n", r.deadLetters());
        out.printf("  job restarts            %d%n", r.restarts());
        out.printf("  kill -> failure noticed %,d ms%n", r.detectMillis());
        out.printf("  kill -> RUNNING again   %,d ms (all tasks RUNNING)%n", r.runningMillis());
        out.printf("  kill -> first new commit %,d ms (first read_committed prediction scored"
                + " after the kill)%n", r.firstCommitMillis());
        out.printf("  kill -> all predictions %,d ms%n", r.allPredictionsMillis());
        for (String v : r.violations()) {
            out.println("  VIOLATION: " + v);
        }
        out.flush();
    }
}
