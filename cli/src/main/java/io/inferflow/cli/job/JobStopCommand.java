package io.inferflow.cli.job;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code pipeline job stop JOB --savepoint-dir DIR}: stop-with-savepoint on a session cluster.
 * The sources stop at a savepoint, the transactional sinks commit what it covers, the job
 * finishes; prints the savepoint's path for {@code pipeline job start --from-savepoint}.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stops a job with a savepoint and prints the savepoint's path, for"
                + " 'pipeline job start --from-savepoint' (at the same or another parallelism,"
                + " or a new version of the job).")
public final class JobStopCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PROGRESS = Duration.ofSeconds(5);

    @Mixin RestOption rest;

    @Parameters(paramLabel = "JOB", description = "The job's id, or the name of one running job.")
    String job;

    @Option(names = "--savepoint-dir", required = true, paramLabel = "DIR",
            description = "Where the cluster writes the savepoint: a path or URI every"
                    + " JobManager and TaskManager can reach (file:///shared/savepoints,"
                    + " s3://bucket/savepoints).")
    String savepointDir;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT10M",
            description = "How long to wait for the savepoint (ISO-8601, default: 10 min).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        FlinkRestClient flink = rest.client();
        FlinkRestClient.JobSummary target = flink.running(job);
        if (!"RUNNING".equals(target.state())) {
            throw new IllegalArgumentException("job " + target.id() + " '" + target.name()
                    + "' is " + target.state() + ", not RUNNING");
        }
        System.out.printf("stopping job %s '%s' with a savepoint into %s%n", target.id(),
                target.name(), savepointDir);
        String trigger = flink.stopWithSavepoint(target.id(), savepointDir);
        long start = System.nanoTime();
        long nextProgress = start + PROGRESS.toNanos();
        FlinkRestClient.SavepointStatus status;
        while (!(status = flink.savepoint(target.id(), trigger)).done()) {
            long now = System.nanoTime();
            if (now - start > timeout.toNanos()) {
                throw new FlinkRestException("savepoint of job " + target.id()
                        + " not done after " + timeout + "; it may still complete: see "
                        + rest.url + "/jobs/" + target.id() + "/savepoints/" + trigger);
            }
            if (now >= nextProgress) {
                System.out.printf("  savepoint in progress (%d s)%n",
                        Duration.ofNanos(now - start).toSeconds());
                nextProgress = now + PROGRESS.toNanos();
            }
            Thread.sleep(POLL.toMillis());
        }
        if (status.failure() != null) {
            throw new FlinkRestException("savepoint of job " + target.id() + " failed: "
                    + status.failure());
        }
        String state = awaitEnd(flink, target.id());
        System.out.printf("savepoint: %s%njob %s %s after %d ms%n", status.location(),
                target.id(), state, Duration.ofNanos(System.nanoTime() - start).toMillis());
        return 0;
    }

    /** The job's state once it left RUNNING (FINISHED after stop-with-savepoint). */
    private String awaitEnd(FlinkRestClient flink, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        String state = flink.state(jobId);
        while (("RUNNING".equals(state) || "FINISHING".equals(state))
                && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
            state = flink.state(jobId);
        }
        return state;
    }
}
