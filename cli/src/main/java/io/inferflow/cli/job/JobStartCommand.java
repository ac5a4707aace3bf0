package io.inferflow.cli.job;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code pipeline job start --jar JAR [--from-savepoint PATH]}: uploads the job jar to a session
 * cluster and runs it, from a savepoint when given, at the given parallelism; waits until the
 * job runs or fails.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Uploads the job jar (jobs/target/inferflow-job.jar) to a session cluster"
                + " and starts the job, from a savepoint of 'pipeline job stop' when given.")
public final class JobStartCommand implements Callable<Integer> {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Mixin RestOption rest;

    @Option(names = "--jar", required = true, description = "The job jar to upload.")
    Path jar;

    @Option(names = "--from-savepoint", description = "What 'pipeline job stop' printed.")
    String savepoint;

    @Option(names = "--allow-non-restored-state", description = "Drop the savepoint's state of"
            + " operators the job no longer has, instead of refusing to start (a missing uid"
            + " is usually a mistake: docs/reference/state.md).")
    boolean allowNonRestoredState;

    @Option(names = "--parallelism", description = "Default: the cluster's"
            + " parallelism.default; at most the savepoint's max parallelism (128).")
    Integer parallelism;

    /** The job's own arguments, passed on: its options file (on the cluster) and options. */
    @Option(names = "--config", description = "The job's options file, a path on the cluster.")
    String config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "A job option.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--entry-class", defaultValue = "io.inferflow.jobs.InferenceJob",
            description = "The job's main class (default: ${DEFAULT-VALUE}).")
    String entryClass;

    @Override
    public Integer call() throws Exception {
        if (parallelism != null && parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be at least 1, got "
                    + parallelism);
        }
        if (allowNonRestoredState && savepoint == null) {
            throw new IllegalArgumentException(
                    "--allow-non-restored-state needs --from-savepoint");
        }
        FlinkRestClient flink = rest.client();
        String jarId = flink.uploadJar(jar);
        String jobId = flink.run(jarId, new FlinkRestClient.Run(entryClass, programArgs(),
                parallelism, savepoint, allowNonRestoredState));
        System.out.printf("job %s submitted%s%s%n", jobId,
                savepoint == null ? "" : " from " + savepoint,
                parallelism == null ? "" : " at parallelism " + parallelism);
        String state = awaitRunning(flink, jobId);
        if (!"RUNNING".equals(state)) {
            throw new FlinkRestException("job " + jobId + " is " + state + ": "
                    + flink.rootException(jobId));
        }
        System.out.printf("job %s RUNNING%n", jobId);
        return 0;
    }

    private List<String> programArgs() {
        List<String> args = new ArrayList<>();
        if (config != null) {
            args.add("--config");
            args.add(config);
        }
        options.forEach((k, v) -> {
            args.add("-D");
            args.add(k + "=" + v);
        });
        return args;
    }

    private static String awaitRunning(FlinkRestClient flink, String jobId)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String state = flink.state(jobId);
        while (List.of("INITIALIZING", "CREATED", "RESTARTING").contains(state)
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
            state = flink.state(jobId);
        }
        return state;
    }
}
