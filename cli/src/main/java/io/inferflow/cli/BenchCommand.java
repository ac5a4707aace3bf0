package io.inferflow.cli;

import io.inferflow.cli.bench.BenchConfig;
import io.inferflow.cli.bench.BenchReport;
import io.inferflow.cli.bench.BenchSettings;
import io.inferflow.cli.bench.Benchmark;
import io.inferflow.cli.bench.ResultTable;
import io.inferflow.model.RuntimeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code pipeline bench}: throughput and latency of the job against its ceilings. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures, per model, on an embedded Kafka broker, Schema Registry and Flink"
                    + " MiniCluster: the raw ONNX Runtime ceiling, the job as pass-through"
                    + " (no model), per-record and micro-batched. Prints a table and the"
                    + " acceptance ratios; --json writes them with machine details."
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

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = settings();
        Instant date = Instant.now();
        System.err.println("logs: " + PipelineCommand.logFile());
        Path workDir = Files.createTempDirectory("inferflow-bench-");
        ResultTable table;
        try {
            table = new Benchmark(settings, System.err).run(workDir);
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } finally {
            deleteQuietly(workDir);
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
        return 0;
    }

    private BenchSettings settings() {
        try {
            Set<BenchConfig> configs =
                    only.isEmpty() ? BenchConfig.defaults() : BenchConfig.parseList(only);
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
                    device);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private String command() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "pipeline " + String.join(" ", args);
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
