package io.inferflow.cli;

import io.inferflow.cli.bench.BenchChart;
import io.inferflow.cli.bench.BenchConfig;
import io.inferflow.cli.bench.BenchReport;
import io.inferflow.cli.bench.BenchSettings;
import io.inferflow.cli.bench.Benchmark;
import io.inferflow.cli.bench.JobBench;
import io.inferflow.cli.bench.LatencySweep;
import io.inferflow.cli.bench.ResultTable;
import io.inferflow.cli.bench.SoakChart;
import io.inferflow.cli.bench.SoakCheck;
import io.inferflow.cli.bench.SoakReport;
import io.inferflow.cli.bench.SoakLifetime;
import io.inferflow.cli.bench.SoakRun;
import io.inferflow.cli.bench.SoakSample;
import io.inferflow.cli.bench.SoakSettings;
import io.inferflow.cli.local.LocalSettings;
import io.inferflow.cli.local.PortInUseException;
import io.inferflow.model.RuntimeSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code pipeline bench}: throughput and latency of the job against its ceilings; with
 * {@code --soak MINUTES}, local mode under sustained load, sampled until the end.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures, per model, on an embedded Kafka broker, Schema Registry and Flink"
                    + " MiniCluster: the raw ONNX Runtime ceiling, the job as pass-through"
                    + " (no model), per-record and micro-batched. Prints a table and the"
                    + " acceptance ratios; --json writes them with machine details.",
            "With --soak MINUTES: runs local mode (both jobs, labels and drift on) at --rate"
                    + " events/s, prints a row every --sample-every, writes soak.json and"
                    + " soak.png to --out, and fails on restarts, failed checkpoints, growing"
                    + " checkpoint state or RSS, or predictions falling behind."
        })
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "small|wide|FILE.onnx",
            description = "Model to measure (repeatable; default: small and wide).")
    List<String> models = new ArrayList<>();

    @Option(names = "--events", paramLabel = "N",
            description = "Events per throughput phase (default: 400000 for small,"
                    + " 120000 otherwise).")
    Long events;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "B",
            description = "Micro-batch size, also of pass-through and raw"
                    + " (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "P",
            description = "Flink parallelism, topic partitions and raw threads"
                    + " (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--latency-rate", paramLabel = "R",
            description = "Events/s of the latency phase (default: half the slowest job"
                    + " configuration's throughput of the model, at most 2000).")
    Double latencyRate;

    @Option(names = "--latency-seconds", defaultValue = "10", paramLabel = "S",
            description = "Length of the latency phase (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "500",
            description = "Checkpoint interval of the jobs (default: ${DEFAULT-VALUE}).")
    long checkpointMillis;

    @Option(names = "--only", paramLabel = "CONFIG", split = ",",
            description = "Configurations to run: raw, passthrough, per-record, batched"
                    + " (the default), and bare, observed (metrics and drift off vs on).")
    List<String> only = new ArrayList<>();

    @Option(names = "--swap-every", paramLabel = "N",
            description = "Also run the micro-batched latency phase while pushing a new model"
                    + " version every N events, and compare its latency with the plain one.")
    Long swapEvery;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "auto|cpu|cuda",
            converter = DeviceConverter.class,
            description = "Where the raw runs and the jobs' ONNX Runtime sessions run"
                    + " (inference.device; default: ${DEFAULT-VALUE}). cuda needs the jar built"
                    + " with -Pgpu (pipeline-gpu.jar) and a GPU; a model that cannot get CUDA"
                    + " then fails the run.")
    RuntimeSettings.Device device;

    @Option(names = "--compression", paramLabel = "CODEC", split = ",",
            description = "Instead of the configurations: the micro-batched job once per sink"
                    + " compression.type (none, gzip, snappy, lz4, zstd), reporting events/s and"
                    + " the predictions' bytes on the broker.")
    List<String> compression = new ArrayList<>();

    @Option(names = "--canary", paramLabel = "PERCENT",
            description = "Also measure the micro-batched job with a canary: a second version"
                    + " scores PERCENT%% of entities (with --shadow or alone, the run is"
                    + " micro-batched plus the rollouts, unless --only names more).")
    Double canary;

    @Option(names = "--shadow",
            description = "Also measure the micro-batched job with a shadow version scoring"
                    + " every event.")
    boolean shadow;

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "A job option set on every bench job, over the bench's own (e.g."
                    + " -D execution.checkpointing.unaligned.enabled=false).")
    Map<String, String> jobOptions = new java.util.LinkedHashMap<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--latency-sweep",
            description = "Instead of the configurations: the micro-batched job on the first"
                    + " model at each --intervals checkpoint interval (exactly-once), then"
                    + " at-least-once; throughput, processing and visible latency at half the"
                    + " throughput, checkpoint durations, CPU and memory per row.")
    boolean latencySweep;

    @Option(names = "--transaction-ids", paramLabel = "MINUTES",
            description = "Instead of the configurations: one job per transaction naming"
                    + " (POOLING and INCREMENTING) side by side for MINUTES with checkpoints"
                    + " every --checkpoint-interval-ms, counting the transactional ids each"
                    + " leaves on the broker every 30 s.")
    Long transactionIds;

    @Option(names = "--intervals", split = ",", paramLabel = "MS",
            description = "Checkpoint intervals of --latency-sweep, ms"
                    + " (default: 100,200,500,1000,5000).")
    List<Long> intervals = new ArrayList<>(LatencySweep.DEFAULT_INTERVALS);

    @Option(names = "--png", paramLabel = "FILE",
            description = "Also draw the results as a PNG chart (default with --json: the same"
                    + " name with .png).")
    Path png;

    @ArgGroup(exclusive = false, heading = "%nSoak check (local mode under sustained load):%n")
    SoakOptions soak;

    /** pipeline local's default checkpoint interval: the soak runs local mode as users do. */
    private static final Duration LOCAL_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    @Override
    public Integer call() throws Exception {
        if (soak != null) {
            return soak();
        }
        BenchSettings settings = settings();
        Instant date = Instant.now();
        System.err.println("logs: " + PipelineCommand.logFile());
        if (!compression.isEmpty()) {
            return compression(settings, date);
        }
        if (latencySweep) {
            return latencySweep(settings, date);
        }
        if (transactionIds != null) {
            return transactionIds(settings, date);
        }
        ResultTable table = inWorkDir(dir -> new Benchmark(settings, System.err).run(dir));
        if (table == null) {
            return 1;
        }
        System.out.println();
        System.out.print(table.format());
        System.out.println();
        System.out.println("events/s: raw = rows / wall time; job rows = events / (last scored_at");
        System.out.println("  - first scored_at), which excludes job start-up.");
        System.out.println("p50/p99 ms: raw = one ONNX Runtime call on a batch of "
                + settings.batchSize() + "; job rows = scored_at - event_time");
        System.out.println("  (Kafka in, decode, batch wait, inference; excludes the transaction"
                + " commit on checkpoint).");
        System.out.println("visible: read by a read_committed consumer - event_time; waits for the"
                + " commit on the");
        System.out.println("  next checkpoint (interval " + settings.checkpointInterval().toMillis()
                + " ms).");
        System.out.println();
        if (!table.swaps().isEmpty()) {
            System.out.println();
            System.out.println("Hot swaps (micro-batched latency phase, same rate):");
            System.out.print(table.formatSwaps());
        }
        System.out.println("Acceptance (ratios from this one run):");
        table.formatAcceptance().lines().forEach(l -> System.out.println("  " + l));
        if (json != null) {
            BenchReport.write(json, settings, table, date);
            System.err.println("wrote " + json);
        }
        drawChart(file -> BenchChart.write(file, table, "pipeline bench, "
                + settings.parallelism() + " subtasks, batches of " + settings.batchSize()));
        return 0;
    }

    /** With {@code --json}: the command, date, cores and {@code values} under {@code key}. */
    private void writeJson(Instant date, String key, Object values) throws IOException {
        if (json == null) {
            return;
        }
        com.fasterxml.jackson.databind.ObjectMapper mapper =
                new com.fasterxml.jackson.databind.ObjectMapper();
        var root = mapper.createObjectNode();
        root.put("command", command());
        root.put("date", date.toString());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("java", System.getProperty("java.version"));
        root.set(key, mapper.valueToTree(values));
        mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), root);
        System.err.println("wrote " + json);
    }

    /** A run that writes its models into a temporary directory. */
    private interface InWorkDir<T> {
        T run(Path workDir) throws Exception;
    }

    /**
     * Runs {@code run} in a fresh temporary directory, deleted afterwards; a run that fails with
     * an {@link IllegalStateException} (what a bench phase throws when a check fails) prints it
     * and gives null.
     */
    private static <T> T inWorkDir(InWorkDir<T> run) throws Exception {
        Path workDir = Files.createTempDirectory("inferflow-bench-");
        try {
            return run.run(workDir);
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return null;
        } finally {
            deleteQuietly(workDir);
        }
    }

    /** Something that draws a chart into a PNG file. */
    private interface ChartWriter {
        void write(Path file) throws IOException;
    }

    /** Draws the run's chart into {@link #pngFile()}, if there is one, and says so. */
    private void drawChart(ChartWriter writer) throws IOException {
        Path file = pngFile();
        if (file != null) {
            writer.write(file);
            System.err.println("wrote " + file);
        }
    }

    /** {@code --png}, or {@code --json}'s name with .png, or null. */
    private Path pngFile() {
        if (png != null || json == null) {
            return png;
        }
        String name = json.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return json.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".png");
    }

    private Integer transactionIds(BenchSettings settings, Instant date) throws Exception {
        if (transactionIds < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--transaction-ids must be at least 1 minute, got " + transactionIds);
        }
        List<JobBench.TransactionIds> samples = inWorkDir(dir -> new Benchmark(
                settings, System.err).runTransactionIds(dir, List.of("POOLING", "INCREMENTING"),
                settings.checkpointInterval(), Duration.ofMinutes(transactionIds),
                Duration.ofSeconds(30)));
        if (samples == null) {
            return 1;
        }
        System.out.println();
        System.out.printf("%-12s %8s %12s %14s%n", "naming", "minutes", "ids", "predictions");
        for (JobBench.TransactionIds t : samples) {
            System.out.printf(Locale.ROOT, "%-12s %8.1f %,12d %,14d%n", t.naming(), t.minutes(),
                    t.ids(), t.predictions());
        }
        writeJson(date, "samples", samples);
        drawChart(file -> BenchChart.writeTransactionIds(file, samples,
                "Transactional ids, checkpoints every "
                        + settings.checkpointInterval().toMillis() + " ms"));
        return 0;
    }

    private Integer latencySweep(BenchSettings settings, Instant date) throws Exception {
        for (long interval : intervals) {
            if (interval < 10) {
                throw new ParameterException(spec.commandLine(),
                        "--intervals: each must be at least 10 ms, got " + interval);
            }
        }
        List<LatencySweep.Row> rows =
                inWorkDir(dir -> new LatencySweep(settings, System.err).run(dir, intervals));
        if (rows == null) {
            return 1;
        }
        System.out.println();
        System.out.print(LatencySweep.table(rows));
        System.out.println();
        System.out.println("events/s: a bounded run of preloaded events; rate: the latency"
                + " phase's, fixed for every row; proc: scored_at - event_time; visible:");
        System.out.println("  read by a read_committed consumer - event_time; ckpt: each"
                + " checkpoint's duration while measured; CPU s/M: CPU seconds of this");
        System.out.println("  process (broker, registry, job, producer, reader) per million"
                + " predictions; peak RSS: of this process during the latency phase.");
        writeJson(date, "rows", rows);
        drawChart(file -> LatencySweep.writeChart(file, rows,
                "Visible latency against checkpoint interval (" + settings.models().get(0)
                        + " model, " + Runtime.getRuntime().availableProcessors() + " cores)"));
        return 0;
    }

    private Integer compression(BenchSettings settings, Instant date) throws Exception {
        for (String codec : compression) {
            if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(codec)) {
                throw new ParameterException(spec.commandLine(), "--compression: '" + codec
                        + "' is not one of none, gzip, snappy, lz4, zstd");
            }
        }
        List<Benchmark.CompressionResult> results = inWorkDir(
                dir -> new Benchmark(settings, System.err).runCompression(dir, compression));
        if (results == null) {
            return 1;
        }
        Benchmark.CompressionResult first = results.get(0);
        System.out.println();
        System.out.printf("%-8s %12s %9s %16s %11s %14s %12s%n", "codec", "events/s",
                "job s", "prediction bytes", "bytes/pred", "bytes vs " + first.codec(),
                "ev/s vs " + first.codec());
        for (Benchmark.CompressionResult r : results) {
            System.out.printf(java.util.Locale.ROOT,
                    "%-8s %,12.0f %9.1f %,16d %11.1f %14.2f %12.2f%n",
                    r.codec(), r.eventsPerSecond(), r.jobSeconds(), r.predictionBytes(),
                    r.bytesPerPrediction(),
                    (double) r.predictionBytes() / first.predictionBytes(),
                    r.eventsPerSecond() / first.eventsPerSecond());
        }
        System.out.println();
        System.out.println("events/s: events / (last scored_at - first scored_at) of the"
                + " micro-batched job; job s: the bounded job's run from submission to its end,");
        System.out.println("  last transaction committed; prediction bytes: the predictions"
                + " topic's log on the broker (record batches as the sinks wrote them).");
        writeJson(date, "results", results);
        drawChart(file -> BenchChart.writeCompression(file, results, "Sink compression ("
                + settings.models().get(0) + " model)"));
        return 0;
    }

    private BenchSettings settings() {
        try {
            boolean rollouts = canary != null || shadow;
            Set<BenchConfig> configs =
                    !only.isEmpty() ? BenchConfig.parseList(only)
                            : rollouts ? EnumSet.of(BenchConfig.BATCHED)
                            : BenchConfig.defaults();
            if (canary != null) {
                configs.add(BenchConfig.CANARY);
            }
            if (shadow) {
                configs.add(BenchConfig.SHADOW);
            }
            return new BenchSettings(
                    models.isEmpty() ? List.of("small", "wide") : models,
                    events,
                    batchSize,
                    parallelism,
                    latencyRate,
                    latencySeconds,
                    Duration.ofMillis(checkpointMillis),
                    configs,
                    command(),
                    swapEvery == null ? 0 : swapEvery,
                    device,
                    canary == null ? 50 : canary,
                    jobOptions);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private String command() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "pipeline " + String.join(" ", args);
    }

    private Integer soak() throws Exception {
        if (!models.isEmpty() || events != null || !only.isEmpty() || swapEvery != null
                || json != null) {
            throw new ParameterException(spec.commandLine(), "--soak runs local mode;"
                    + " --model, --events, --only, --swap-every and --json are for the job"
                    + " benchmark (the soak writes soak.json to --out)");
        }
        SoakSettings settings;
        LocalSettings local;
        Path logFile = PipelineCommand.logFile();
        try {
            settings = soak.settings(command());
            local = new LocalSettings(
                    settings.duration(), settings.rate(), List.of(), parallelism,
                    port(soak.kafkaPort), port(soak.registryPort), port(soak.webPort),
                    port(soak.metricsPort), LOCAL_CHECKPOINT_INTERVAL, settings.sampleEvery(),
                    Files.createDirectories(logFile.getParent()
                            .resolve("soak-" + ProcessHandle.current().pid())),
                    logFile, Map.of());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        System.out.printf(Locale.ROOT, "soak: local mode for %d min at %,.0f events/s, a sample"
                        + " every %d s; logs in %s%n", settings.duration().toMinutes(),
                settings.rate(), settings.sampleEvery().toSeconds(), logFile);
        settings.thresholds().describe().forEach(l -> System.out.println("  " + l));
        System.out.println("  fails at the end on: an event lost or repeated (the last "
                + SoakLifetime.TAIL_SECONDS + " s of events not judged)"
                + (soak.pushEvery == null ? "" : "; a push not ACTIVE on every subtask, more than "
                        + SoakLifetime.MAX_LIVE_VERSIONS + " versions with live sessions"));
        Instant date = Instant.now();
        List<SoakSample> samples;
        SoakRun run = new SoakRun(settings, local, System.out);
        if (soak.pushEvery != null) {
            run.withPushes(soak.pushEvery, soak.canaryEvery);
        }
        try {
            samples = run.run();
        } catch (PortInUseException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        List<String> failures = new ArrayList<>(
                SoakCheck.failures(samples, settings.thresholds()));
        SoakLifetime lifetime = SoakLifetime.of(run, settings);
        lifetime.describe().forEach(System.out::println);
        failures.addAll(lifetime.failures());
        Path jsonFile = settings.outDir().resolve("soak.json");
        Path pngFile = settings.outDir().resolve("soak.png");
        SoakReport.write(jsonFile, settings, date, samples, failures, lifetime.json());
        SoakChart.write(pngFile, samples, String.format(Locale.ROOT,
                "Soak: local mode at %,.0f events/s", settings.rate()));
        System.out.println("wrote " + jsonFile + " and " + pngFile);
        if (failures.isEmpty()) {
            System.out.printf("soak PASSED: %d samples over %d min%n",
                    samples.size(), settings.duration().toMinutes());
            return 0;
        }
        failures.forEach(f -> System.out.println("soak FAILED: " + f));
        return 1;
    }

    /** {@code asked}, or a free port when it is 0. */
    private static int port(int asked) throws IOException {
        if (asked != 0) {
            return asked;
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The options of {@code --soak}; the others make sense only with it. */
    static final class SoakOptions {

        @Option(names = "--soak", required = true, paramLabel = "MINUTES",
                description = "Run local mode for this long under load and check that it"
                        + " keeps serving (see the options below).")
        long minutes;

        @Option(names = "--rate", defaultValue = "2000", paramLabel = "N",
                description = "Demo producer rate, events/s (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--sample-every", defaultValue = "60s", paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Time between samples, e.g. 30s, 2m (default: ${DEFAULT-VALUE}).")
        Duration sampleEvery;

        @Option(names = "--warmup", defaultValue = "5m", paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Growth and throughput are judged after this, against its last"
                        + " sample; a run no longer than it uses its first 2 samples"
                        + " (default: ${DEFAULT-VALUE}).")
        Duration warmup;

        @Option(names = "--state-margin", defaultValue = "50%", paramLabel = "PCT",
                converter = PercentConverter.class,
                description = "How much a job's checkpoint state may grow after warm-up"
                        + " (default: ${DEFAULT-VALUE}).")
        double stateMargin;

        @Option(names = "--rss-margin", defaultValue = "10%", paramLabel = "PCT",
                converter = PercentConverter.class,
                description = "How much the process RSS may grow after warm-up"
                        + " (default: ${DEFAULT-VALUE}).")
        double rssMargin;

        @Option(names = "--push-every", paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Push a new version of the demo model this often while the soak"
                        + " runs (signed, with its VERSION record; every subtask loads a new"
                        + " session and closes the old one), e.g. 1m.")
        Duration pushEvery;

        @Option(names = "--canary-every", paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "With --push-every: make a push this often a 20%% canary that the"
                        + " rollout judge promotes after 2,000 events, e.g. 10m.")
        Duration canaryEvery;

        @Option(names = "--out", defaultValue = "target/soak", paramLabel = "DIR",
                description = "Where soak.json, soak.png and local mode's output go"
                        + " (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--soak-kafka-port", defaultValue = "9092", paramLabel = "PORT",
                description = "Kafka of local mode; 0 picks a free port"
                        + " (default: ${DEFAULT-VALUE}).")
        int kafkaPort;

        @Option(names = "--soak-registry-port", defaultValue = "8085", paramLabel = "PORT",
                description = "Schema Registry; 0 picks a free port (default: ${DEFAULT-VALUE}).")
        int registryPort;

        @Option(names = "--soak-web-port", defaultValue = "8081", paramLabel = "PORT",
                description = "Flink web UI and REST API, which the samples read; 0 picks a free"
                        + " port (default: ${DEFAULT-VALUE}).")
        int webPort;

        @Option(names = "--soak-metrics-port", defaultValue = "9249", paramLabel = "PORT",
                description = "Prometheus endpoint; 0 picks a free port"
                        + " (default: ${DEFAULT-VALUE}).")
        int metricsPort;

        SoakSettings settings(String command) {
            return new SoakSettings(Duration.ofMinutes(minutes), rate, sampleEvery, warmup,
                    stateMargin, rssMargin, out, command);
        }
    }

    /** {@code 90}, {@code 90s}, {@code 5m} or {@code 1h}; a bare number is seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            int unitAt = v.length() - (v.matches(".*[smh]") ? 1 : 0);
            try {
                long n = Long.parseLong(v.substring(0, unitAt));
                switch (v.substring(unitAt)) {
                    case "m":
                        return Duration.ofMinutes(n);
                    case "h":
                        return Duration.ofHours(n);
                    default:
                        return Duration.ofSeconds(n);
                }
            } catch (NumberFormatException e) {
                throw new TypeConversionException(
                        "'" + value + "' is not a duration; expected e.g. 30s, 5m or 90");
            }
        }
    }

    /** {@code 50%} or {@code 50}, as the fraction 0.5. */
    static final class PercentConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.trim();
            try {
                return Double.parseDouble(v.endsWith("%") ? v.substring(0, v.length() - 1) : v)
                        / 100;
            } catch (NumberFormatException e) {
                throw new TypeConversionException(
                        "'" + value + "' is not a percentage; expected e.g. 50% or 50");
            }
        }
    }

    /** {@code auto}, {@code cpu} or {@code cuda}, in any case. */
    static final class DeviceConverter implements ITypeConverter<RuntimeSettings.Device> {
        @Override
        public RuntimeSettings.Device convert(String value) {
            try {
                return RuntimeSettings.Device.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(
                        "'" + value + "' is not a device; expected auto, cpu or cuda");
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
