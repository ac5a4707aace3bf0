package io.inferflow.clustertests;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferflow.jobs.InferenceJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Reactive mode on a real multi-process cluster: embedded Kafka (features with 3 partitions) and
 * Schema Registry in this JVM, a standalone application cluster in reactive mode (adaptive
 * scheduler; {@code StandaloneApplicationClusterEntryPoint} with {@code inferflow-job.jar} on the
 * classpath) that starts with one TaskManager of one slot; while events stream, a second and a
 * third TaskManager join (the job scales up to 2, then 3) and then one is SIGKILLed (it scales
 * down to 2). Passes when every event's prediction is readable exactly once with {@code
 * read_committed} and no dead letter was written; reports the time from each TaskManager change
 * to the job RUNNING at the new parallelism. Started by {@code scripts/cluster-rescale.sh}.
 */
@Command(
        name = "cluster-rescale",
        mixinStandardHelpOptions = true,
        description =
                "Starts Kafka + registry + a reactive-mode application cluster (separate JVMs)"
                        + " running inferflow-job.jar on one TaskManager, adds a second and a"
                        + " third, SIGKILLs one, checks exactly-once on the predictions topic"
                        + " (read_committed) and reports the rescale times.")
public final class ReactiveRescale extends ClusterCheck<ReactiveRescale> implements Callable<Integer> {

    public ReactiveRescale() {
        super(40_000, 400);
    }

    /**
     * A TaskManager change, how long until the REST API listed the new number of TaskManagers
     * (for a new one: its JVM started and registered) and until the job ran at its new
     * parallelism.
     */
    public record Change(String what, int parallelism, long seenMillis, long runningMillis) {}

    public record Result(int events, long predictions, long distinct, List<Change> changes,
            Path workDir, List<String> violations) implements Outcome {

        public boolean passed() {
            return violations.isEmpty();
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReactiveRescale()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return run().passed() ? 0 : 1;
    }

    /**
     * The cluster's reactive-mode options: rescale as soon as the slots change (Flink's
     * defaults wait up to a minute for more resources and 30 s between rescales).
     */
    static Map<String, String> reactiveOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("scheduler-mode", "reactive");
        o.put("taskmanager.numberOfTaskSlots", "1");
        o.put("jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling", "1 s");
        o.put("jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout", "1 s");
        o.put("jobmanager.adaptive-scheduler.submission.resource-stabilization-timeout", "1 s");
        // A killed TaskManager is declared lost after this long without heartbeats.
        o.put("heartbeat.timeout", "10 s");
        o.put("heartbeat.interval", "2 s");
        return o;
    }

    public Result run() throws Exception {
        return runCheck(this::check);
    }

    private Result check(String classpath, Path dir, List<String> violations)
            throws Exception {
        List<Change> changes = new ArrayList<>();
        try (StreamRig rig = new StreamRig(dir, 3)) {
            say("Kafka %s (features: 3 partitions), Schema Registry %s", rig.bootstrap(),
                    rig.registryUrl());
            Path jobConfig = rig.writeJobConfig(dir, checkpointInterval, deliveryMode, List.of());
            Map<String, String> overrides = reactiveOptions();
            overrides.putAll(flinkOptions);
            try (StandaloneCluster cluster =
                    new StandaloneCluster(classpath, flinkConf, dir.resolve("flink"), overrides)
                            .withJobJar(jobJar)) {
                FlinkRest rest = new FlinkRest(cluster.restUrl());
                // "--" ends the entry point's options: the rest are the job's arguments.
                cluster.startApplicationJobManager(InferenceJob.class.getName(),
                        List.of("--", "--config", jobConfig.toString()));
                cluster.startTaskManager("tm-1");
                awaitTaskManagers(rest, cluster, 1, Duration.ofSeconds(120));
                String jobId = awaitJob(rest, cluster);
                awaitParallelism(rest, cluster, jobId, 1, Duration.ofSeconds(180));
                say("application cluster %s in reactive mode: job %s RUNNING at parallelism 1",
                        cluster.restUrl(), jobId);
                say("model %s v1 (signed) ACTIVE on %d subtask(s)", StreamRig.MODEL,
                        rig.deployModel("cluster-rescale"));

                try (CommittedPredictions verifier = rig.predictions()) {
                    PacedEvents producer = rig.events(events, rate);
                    Thread producerThread = producer.start();
                    say("producing %,d events at %.0f/s", events, rate);
                    awaitSent(producer, producerThread, 0.2);
                    changes.add(change(rest, jobId, "tm-2 added", 2, 2,
                            () -> cluster.startTaskManager("tm-2")));
                    awaitSent(producer, producerThread, 0.45);
                    changes.add(change(rest, jobId, "tm-3 added", 3, 3,
                            () -> cluster.startTaskManager("tm-3")));
                    awaitSent(producer, producerThread, 0.7);
                    changes.add(change(rest, jobId, "tm-2 SIGKILLed", 2, 2,
                            () -> cluster.kill("tm-2")));

                    producerThread.join(Duration.ofMinutes(15).toMillis());
                    say("producer done: %,d sent, %,d failed", producer.sent.get(),
                            producer.failed.get());
                    if (producer.error != null || producer.sent.get() != events) {
                        violations.add("producer acknowledged " + producer.sent.get() + " of "
                                + events + " events: " + producer.error);
                    }
                    Await.until(Duration.ofMinutes(3), Duration.ofMillis(100),
                            () -> verifier.distinct() >= events);
                    // Keep reading two more checkpoints, so that a late duplicate would show.
                    long checkpoints = rest.completedCheckpoints(jobId);
                    Await.until(Duration.ofMinutes(1), Duration.ofMillis(250),
                            () -> rest.completedCheckpoints(jobId) >= checkpoints + 2);
                    verifier.close();
                    violations.addAll(verifier.violations(rig.runId, events, repeatsAllowed()));
                    changes.stream().filter(c -> c.runningMillis() < 0)
                            .forEach(c -> violations.add("not RUNNING at parallelism "
                                    + c.parallelism() + " within 3 min of " + c.what()));
                    cluster.deadProcesses().forEach(d -> violations.add("process died: " + d));
                    Result result = new Result(events, verifier.predictions.get(),
                            verifier.distinct(), changes, dir, violations);
                    report(result);
                    return result;
                }
            }
        }
    }

    /** The application cluster's one job, once it is submitted. */
    private String awaitJob(FlinkRest rest, StandaloneCluster cluster) throws Exception {
        String[] id = {null};
        Await.orFail("the application's job being submitted", Duration.ofSeconds(120),
                Duration.ofMillis(250), () -> {
                    checkAlive(cluster);
                    List<io.inferflow.cli.job.FlinkRestClient.JobSummary> jobs =
                            rest.client().jobs();
                    id[0] = jobs.isEmpty() ? null : jobs.get(0).id();
                    return id[0] != null;
                });
        return id[0];
    }

    /** An action that changes the TaskManagers. */
    @FunctionalInterface
    private interface TaskManagerChange {
        void run() throws Exception;
    }

    /**
     * Does {@code action} and measures how long until {@code taskManagers} are listed and the
     * job runs at {@code parallelism}.
     */
    private Change change(FlinkRest rest, String jobId, String what, int taskManagers,
            int parallelism, TaskManagerChange action) throws Exception {
        long start = System.nanoTime();
        action.run();
        say("%s", what);
        long[] seen = {-1};
        long[] running = {-1};
        Await.until(Duration.ofMinutes(3), Duration.ofMillis(100), () -> {
            if (seen[0] < 0 && rest.taskManagers() == taskManagers) {
                seen[0] = millisSince(start);
            }
            if (running[0] < 0 && runsAt(rest, jobId, parallelism)) {
                running[0] = millisSince(start);
            }
            return seen[0] >= 0 && running[0] >= 0;
        });
        say("%d TaskManagers listed %,d ms, job RUNNING at parallelism %d %,d ms after %s",
                taskManagers, seen[0], parallelism, running[0], what);
        return new Change(what, parallelism, seen[0], running[0]);
    }

    private void awaitParallelism(FlinkRest rest, StandaloneCluster cluster, String jobId,
            int parallelism, Duration timeout) throws Exception {
        Await.orFail("job " + jobId + " RUNNING at parallelism " + parallelism, timeout,
                Duration.ofMillis(250), () -> {
                    checkAlive(cluster);
                    return runsAt(rest, jobId, parallelism);
                });
    }

    /** Whether every task runs and the inference vertex has {@code parallelism} subtasks. */
    private static boolean runsAt(FlinkRest rest, String jobId, int parallelism)
            throws Exception {
        if (!rest.allRunning(jobId)) {
            return false;
        }
        for (JsonNode v : rest.job(jobId).path("vertices")) {
            if (v.path("name").asText().startsWith("inference")) {
                return v.path("parallelism").asInt() == parallelism;
            }
        }
        return false;
    }

    private static void awaitSent(PacedEvents producer, Thread thread, double fraction)
            throws InterruptedException {
        long target = (long) (producer.events * fraction);
        Await.until(Duration.ofMinutes(10), Duration.ofMillis(20),
                () -> producer.sent.get() >= target || !thread.isAlive());
    }

    private void report(Result r) {
        out.println();
        out.println("cluster rescale (reactive mode) " + (r.passed() ? "PASSED" : "FAILED"));
        out.printf("  events sent             %,d%n", r.events());
        out.printf("  predictions (committed) %,d (%,d distinct event ids)%n", r.predictions(),
                r.distinct());
        for (Change c : r.changes()) {
            out.printf("  %-15s -> TaskManagers listed %,6d ms, RUNNING at parallelism %d"
                    + " %,6d ms%n", c.what(), c.seenMillis(), c.parallelism(), c.runningMillis());
        }
        for (String v : r.violations()) {
            out.println("  VIOLATION: " + v);
        }
        out.flush();
    }
}
