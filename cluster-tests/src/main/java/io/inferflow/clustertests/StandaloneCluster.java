package io.inferflow.clustertests;

import io.inferflow.jobs.InferenceJob;
import io.inferflow.cli.local.EmbeddedKafka;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A standalone Flink session cluster as separate JVM processes on this machine: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and any number of TaskManagers
 * ({@code TaskManagerRunner}), started the way Flink's {@code bin/jobmanager.sh} and
 * {@code bin/taskmanager.sh} start them: JVM memory flags computed by {@code BashJavaUtils} from
 * the configuration, {@code env.java.opts.*} from the configuration, a log file per process.
 *
 * <p>The configuration directory is a copy of a {@code config.yaml} (the repository's
 * {@code flink-conf/config.yaml}); what this machine needs on top (free ports, a checkpoint
 * directory, slots, memory) is passed as {@code -D} dynamic properties, which override the file,
 * and written to {@code overrides.yaml} next to it for reference.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCluster.class);

    /**
     * Module opens Flink needs on Java 17; Flink's distribution ships them in its default
     * {@code config.yaml} ({@code env.java.opts.all}), so a config that sets its own
     * {@code env.java.opts.all} loses them unless it repeats them. Always added here.
     */
    static final List<String> MODULE_OPENS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final String LOG4J =
            String.join(
                    "\n",
                    "# Written by StandaloneCluster: one log file per process (-Dlog.file).",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = MainAppender",
                    "appender.main.name = MainAppender",
                    "appender.main.type = File",
                    "appender.main.append = true",
                    "appender.main.fileName = ${sys:log.file}",
                    "appender.main.layout.type = PatternLayout",
                    "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} [%t] - %m%n",
                    "logger.kafka.name = org.apache.kafka",
                    "logger.kafka.level = WARN",
                    "");

    private String classpath;
    private final Path dir;
    private final Path confDir;
    private final Map<String, String> overrides;
    private final String javaOptsAll;
    private final String javaOptsJm;
    private final String javaOptsTm;
    private final int restPort;
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private Process jobManager;
    private final List<String> extraTmJvmOptions = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::close, "standalone-cluster-shutdown");
    private List<String> tmJvm;
    private List<String> tmDynamic;

    /**
     * @param classpath the Flink distribution's classpath (no job code)
     * @param configYaml the cluster configuration to copy ({@code flink-conf/config.yaml})
     * @param dir work directory: conf/, logs, checkpoints, uploads
     * @param overrides options on top of the file (ports are added here)
     */
    public StandaloneCluster(
            String classpath, Path configYaml, Path dir, Map<String, String> overrides)
            throws IOException {
        this.classpath = classpath;
        this.dir = Files.createDirectories(dir).toAbsolutePath();
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        Files.copy(configYaml, confDir.resolve("config.yaml"), StandardCopyOption.REPLACE_EXISTING);
        Path log4j = configYaml.resolveSibling("log4j.properties");
        if (Files.isRegularFile(log4j)) {
            Files.copy(log4j, confDir.resolve("log4j.properties"), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.writeString(confDir.resolve("log4j.properties"), LOG4J);
        }
        this.restPort = EmbeddedKafka.freePort();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("jobmanager.rpc.address", "127.0.0.1");
        o.put("jobmanager.rpc.port", String.valueOf(EmbeddedKafka.freePort()));
        o.put("jobmanager.bind-host", "127.0.0.1");
        o.put("taskmanager.host", "127.0.0.1");
        o.put("taskmanager.bind-host", "127.0.0.1");
        o.put("rest.address", "127.0.0.1");
        o.put("rest.bind-address", "127.0.0.1");
        o.put("rest.port", String.valueOf(restPort));
        o.put("blob.server.port", "0");
        // The GPU build of the job jar (onnxruntime_gpu's CUDA natives) is larger than the REST
        // server's default limit of 100 MiB; inferflow-job.jar (~50 MB) fits either way.
        o.put("rest.server.max-content-length", String.valueOf(512L << 20));
        o.put("web.upload.dir", Files.createDirectories(dir.resolve("uploads")).toString());
        o.put("io.tmp.dirs", Files.createDirectories(dir.resolve("tmp")).toString());
        // The REST API caches job details for web.refresh-interval (3 s by default); a short one
        // makes the recovery times measured over REST precise.
        o.put("web.refresh-interval", "200 ms");
        o.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        o.putAll(overrides);
        this.overrides = o;

        Map<String, String> file = flatYaml(confDir.resolve("config.yaml"));
        file.putAll(o); // JVM options given as overrides win, like every other option
        this.javaOptsAll = opt(file, "env.java.opts.all", "env.java.opts");
        this.javaOptsJm = opt(file, "env.java.opts.jobmanager");
        this.javaOptsTm = opt(file, "env.java.opts.taskmanager");

        StringBuilder yaml =
                new StringBuilder(
                        "# -D options StandaloneCluster passes to every process (override"
                                + " config.yaml)\n");
        o.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(dir.resolve("overrides.yaml"), yaml);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** JVM options added to every TaskManager after those of the configuration. */
    public StandaloneCluster taskManagerJvmOptions(List<String> options) {
        extraTmJvmOptions.addAll(options);
        return this;
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public Path dir() {
        return dir;
    }

    /** Starts the JobManager (Dispatcher, ResourceManager, REST server with web submission). */
    public void startJobManager() throws IOException, InterruptedException {
        startJobManager("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of());
    }

    /**
     * Starts the JobManager of an application cluster that runs {@code jobClass} with
     * {@code args} ({@code StandaloneApplicationClusterEntryPoint}, as Flink's
     * {@code bin/standalone-job.sh} does); the job's jar must be on the classpath
     * ({@link #withJobJar}).
     */
    public void startApplicationJobManager(String jobClass, List<String> args)
            throws IOException, InterruptedException {
        List<String> program = new ArrayList<>(List.of("--job-classname", jobClass));
        program.addAll(args);
        startJobManager(
                "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint",
                program);
    }

    /**
     * Puts {@code jobJar} on the classpath of every process started later, as an application
     * cluster's image has it in {@code usrlib/} (call before starting any).
     */
    public StandaloneCluster withJobJar(Path jobJar) {
        classpath = classpath + File.pathSeparator + jobJar.toAbsolutePath();
        return this;
    }

    private void startJobManager(String entryPoint, List<String> programArgs)
            throws IOException, InterruptedException {
        List<String> jvm = bashJavaUtils("GET_JM_RESOURCE_PARAMS");
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(split(jvm.get(0)));
        cmd.addAll(MODULE_OPENS);
        cmd.addAll(split(javaOptsAll));
        cmd.addAll(split(javaOptsJm));
        cmd.addAll(logOptions("jobmanager"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(entryPoint);
        cmd.add("--configDir");
        cmd.add(confDir.toString());
        cmd.addAll(dynamic(Map.of("metrics.reporter.prom.port", freePortString())));
        cmd.addAll(split(jvm.get(1)));
        cmd.addAll(programArgs);
        jobManager = start("jobmanager", cmd);
    }

    /** Starts a TaskManager named {@code id} (its resource id, shown in the web UI and logs). */
    public Process startTaskManager(String id) throws IOException, InterruptedException {
        if (tmJvm == null) {
            List<String> params = bashJavaUtils("GET_TM_RESOURCE_PARAMS");
            tmJvm = split(params.get(0));
            tmDynamic = split(params.get(1));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(tmJvm);
        cmd.addAll(MODULE_OPENS);
        cmd.addAll(split(javaOptsAll));
        cmd.addAll(split(javaOptsTm));
        cmd.addAll(extraTmJvmOptions);
        cmd.addAll(logOptions(id));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        cmd.add("--configDir");
        cmd.add(confDir.toString());
        cmd.addAll(
                dynamic(
                        Map.of(
                                "metrics.reporter.prom.port", freePortString(),
                                "taskmanager.resource-id", id)));
        cmd.addAll(tmDynamic);
        Process p = start(id, cmd);
        taskManagers.put(id, p);
        return p;
    }

    /** SIGKILLs the TaskManager process {@code id} (no shutdown hooks, no goodbye to the JM). */
    public void kill(String id) throws InterruptedException {
        Process p = taskManagers.remove(id);
        if (p == null) {
            throw new IllegalArgumentException("no TaskManager " + id);
        }
        p.destroyForcibly(); // SIGKILL on Linux
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("TaskManager " + id + " did not die");
        }
        LOG.info("killed TaskManager {} (pid {}), exit {}", id, p.pid(), p.exitValue());
    }

    public long pid(String id) {
        return taskManagers.get(id).pid();
    }

    /** Names of processes that exited on their own (not killed), with their exit code. */
    public List<String> deadProcesses() {
        List<String> dead = new ArrayList<>();
        if (jobManager != null && !jobManager.isAlive()) {
            dead.add("jobmanager exited " + jobManager.exitValue());
        }
        taskManagers.forEach(
                (id, p) -> {
                    if (!p.isAlive()) {
                        dead.add(id + " exited " + p.exitValue());
                    }
                });
        return dead;
    }

    private Process start(String name, List<String> cmd) throws IOException {
        Path out = dir.resolve(name + ".out");
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", cmd) + "\n");
        Process p =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        processes.add(p);
        LOG.info("started {} (pid {}), log {}", name, p.pid(), dir.resolve(name + ".log"));
        return p;
    }

    /**
     * Runs Flink's {@code BashJavaUtils} the way {@code bin/config.sh} does: line 1 is the JVM
     * memory flags, line 2 the memory options as dynamic properties.
     */
    private List<String> bashJavaUtils(String command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("org.apache.flink.runtime.util.bash.BashJavaUtils");
        cmd.add(command);
        cmd.add("--configDir");
        cmd.add(confDir.toString());
        cmd.addAll(dynamic(Map.of()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + output);
        }
        String prefix = "BASH_JAVA_UTILS_EXEC_RESULT:";
        List<String> results =
                output.lines()
                        .filter(l -> l.startsWith(prefix))
                        .map(l -> l.substring(prefix.length()))
                        .toList();
        if (results.size() < 2) {
            throw new IllegalStateException(
                    "BashJavaUtils " + command + " printed no memory settings:\n" + output);
        }
        return results.subList(results.size() - 2, results.size());
    }

    private List<String> dynamic(Map<String, String> extra) {
        List<String> args = new ArrayList<>();
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(extra);
        all.forEach((k, v) -> args.add("-D" + k + "=" + v));
        return args;
    }

    private List<String> logOptions(String name) {
        return List.of(
                "-Dlog.file=" + dir.resolve(name + ".log"),
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri(),
                "-Dlog4j2.isThreadContextMapInheritable=true");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String freePortString() {
        try {
            return String.valueOf(EmbeddedKafka.freePort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> split(String s) {
        if (s == null || s.isBlank()) {
            return List.of();
        }
        return Stream.of(s.trim().split("\\s+")).toList();
    }

    private static String opt(Map<String, String> conf, String... keys) {
        for (String k : keys) {
            if (conf.containsKey(k)) {
                return conf.get(k);
            }
        }
        return "";
    }

    /** The file's options as flat keys, the way Flink reads {@code config.yaml}. */
    private static Map<String, String> flatYaml(Path file) throws IOException {
        try {
            return new LinkedHashMap<>(InferenceJob.loadConfiguration(file, Map.of()).toMap());
        } catch (Exception e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Kills every process this cluster started (TaskManagers first), waiting for each. */
    @Override
    public synchronized void close() {
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        List<Process> order = new ArrayList<>(processes);
        if (jobManager != null) {
            order.remove(jobManager);
            order.add(jobManager);
        }
        for (Process p : order) {
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Classpath entries of a classpath file written by the dependency plugin. */
    public static String readClasspathFile(Path file) throws IOException {
        String cp = Files.readString(file).trim();
        for (String entry : cp.split(File.pathSeparator)) {
            if (!Files.exists(Path.of(entry))) {
                throw new IllegalArgumentException(
                        "classpath entry " + entry + " from " + file + " does not exist");
            }
        }
        return cp;
    }
}
