package io.inferflow.clustertests;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the multi-process cluster checks share: the options that say where the cluster's
 * classpath, the job jar and the configuration are, their timestamped output, a work directory,
 * bounded waits on the cluster that fail as soon as one of its processes died.
 */
abstract class ClusterCheck<S extends ClusterCheck<S>> {

    @Option(names = "--events", description = "Events to send (default ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--rate", description = "Events per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--checkpoint-interval", description =
            "The job's checkpoint interval (default ${DEFAULT-VALUE}).")
    String checkpointInterval = "2 s";

    @Option(names = "--delivery-mode", paramLabel = "MODE", description =
            "The job's delivery.mode: exactly-once (default), where a repeated prediction is a"
                    + " violation, or at-least-once, where repeats are counted and reported and"
                    + " only a lost prediction is a violation.")
    String deliveryMode = "exactly-once";

    @Option(names = "--flink-classpath", paramLabel = "FILE", description =
            "File holding the Flink cluster's classpath (default ${DEFAULT-VALUE}).")
    Path flinkClasspath = Path.of("cluster-tests/target/flink-cluster.classpath");

    @Option(names = "--job-jar", paramLabel = "JAR", description = "Default ${DEFAULT-VALUE}.")
    Path jobJar = Path.of("jobs/target/inferflow-job.jar");

    @Option(names = "--flink-conf", paramLabel = "FILE", description = "Default ${DEFAULT-VALUE}.")
    Path flinkConf = Path.of("flink-conf/config.yaml");

    @Option(names = "--work-dir", paramLabel = "DIR", description =
            "Logs, configuration, checkpoints (default: a new directory under /tmp/inferflow).")
    Path workDir;

    @Option(names = "--keep", description = "Keep the work directory after a passing run.")
    boolean keep;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description =
            "Flink cluster option on top of the config file (and the check's own settings).")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    PrintStream out = System.out;

    /** Whether the job may repeat predictions (at-least-once), which then are no violation. */
    boolean repeatsAllowed() {
        if (!deliveryMode.equals("exactly-once") && !deliveryMode.equals("at-least-once")) {
            throw new IllegalArgumentException("--delivery-mode: expected exactly-once or"
                    + " at-least-once, got '" + deliveryMode + "'");
        }
        return deliveryMode.equals("at-least-once");
    }

    /** What a check found wrong (nothing when it passed) and where its logs are. */
    interface Outcome {
        List<String> violations();

        Path workDir();
    }

    ClusterCheck(int events, double rate) {
        this.events = events;
        this.rate = rate;
    }

    /** What a test sets instead of the command line's options. */
    public S settings(
            int events, double rate, Path classpathFile, Path jobJar, Path flinkConf, Path workDir) {
        this.events = events;
        this.rate = rate;
        this.flinkClasspath = classpathFile;
        this.jobJar = jobJar;
        this.flinkConf = flinkConf;
        this.workDir = workDir;
        return self();
    }

    /** Where the check prints its progress and report. */
    public S output(PrintStream out) {
        this.out = out;
        return self();
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /** {@code workDir}, or a new directory under the temp directory's inferflow/. */
    private static Path workDir(Path workDir) throws IOException {
        Path dir = workDir != null
                ? workDir
                : Path.of(System.getProperty("java.io.tmpdir"), "inferflow")
                        .resolve("cluster-" + System.currentTimeMillis());
        return Files.createDirectories(dir).toAbsolutePath();
    }

    private static void checkFiles(Path... files) {
        for (Path p : files) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + " does not exist");
            }
        }
    }

    void awaitTaskManagers(FlinkRest rest, StandaloneCluster cluster, int n, Duration timeout)
            throws Exception {
        Await.orFail(n + " TaskManagers registering (see " + cluster.dir() + ")", timeout,
                Duration.ofMillis(250), () -> {
                    checkAlive(cluster);
                    return rest.taskManagers() >= n;
                });
    }

    void awaitRunning(FlinkRest rest, StandaloneCluster cluster, String jobId, Duration timeout)
            throws Exception {
        Await.orFail("job " + jobId + " RUNNING with all tasks", timeout, Duration.ofMillis(250),
                () -> {
                    checkAlive(cluster);
                    if (rest.allRunning(jobId)) {
                        return true;
                    }
                    String state = rest.job(jobId).path("state").asText();
                    if (state.equals("FAILED") || state.equals("CANCELED")) {
                        throw new IllegalStateException(
                                "job " + state + ": " + rest.get("/jobs/" + jobId + "/exceptions"));
                    }
                    return false;
                });
    }

    static void checkAlive(StandaloneCluster cluster) {
        List<String> dead = cluster.deadProcesses();
        if (!dead.isEmpty()) {
            throw new IllegalStateException(
                    "Flink processes died: " + dead + "; see " + cluster.dir());
        }
    }

    void say(String format, Object... args) {
        out.printf("[%s] %s%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                String.format(format, args));
        out.flush();
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /**
     * A check's body: runs against the Flink {@code classpath} in the work directory {@code dir}
     * and adds what it finds wrong to {@code violations}.
     */
    @FunctionalInterface
    interface Body<R> {
        R run(String classpath, Path dir, List<String> violations) throws Exception;
    }

    /**
     * Reads the cluster's classpath, checks the job jar and the configuration exist, makes the
     * work directory and runs {@code body}; an exception counts as a violation. Then keeps the
     * work directory when anything went wrong (or {@code --keep}) and deletes it otherwise.
     */
    <R> R runCheck(Body<R> body) throws Exception {
        String classpath = StandaloneCluster.readClasspathFile(flinkClasspath);
        checkFiles(jobJar, flinkConf);
        Path dir = workDir(workDir);
        List<String> violations = new ArrayList<>();
        say("work dir %s", dir);
        try {
            return body.run(classpath, dir, violations);
        } catch (Exception e) {
            violations.add(e.toString());
            throw e;
        } finally {
            say("stopped the cluster, registry and broker");
            cleanUp(dir, violations.isEmpty(), keep);
        }
    }

    /** Keeps {@code dir} when anything went wrong or {@code keep}; deletes it otherwise. */
    private void cleanUp(Path dir, boolean passed, boolean keep) {
        if (passed && !keep) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        } else {
            say("logs and configuration kept in %s", dir);
        }
    }
}
