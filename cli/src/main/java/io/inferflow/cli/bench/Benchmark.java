package io.inferflow.cli.bench;

import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.schemas.registry.LocalSchemaRegistry;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code pipeline bench}: for each model, the ONNX Runtime ceiling, then the production job as
 * pass-through, per-record and micro-batched, all on one embedded Kafka broker, one in-process
 * Schema Registry and a local Flink MiniCluster per job, in this JVM.
 *
 * <pre>{@code
 * ResultTable table = new Benchmark(settings, System.err).run(workDir);
 * System.out.print(table.format());
 * }</pre>
 *
 * <p>For each model all throughput phases run before the latency phases, so that the automatic
 * latency rate ({@link BenchSettings#latencyRateFor}) is the same for every configuration.
 */
public final class Benchmark {

    /** Events of the unreported job that runs first, see {@link JobBench#warmUp}. */
    static final long WARM_UP_EVENTS = 50_000;

    private final BenchSettings settings;
    private final PrintStream progress;

    public Benchmark(BenchSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs every selected configuration on every model; {@code workDir} receives the models. */
    public ResultTable run(Path workDir) throws Exception {
        List<BenchModel> models = resolveModels(workDir);
        List<BenchConfig> configs = BenchConfig.inOrder(settings.configs());
        List<BenchResult> results = new ArrayList<>();
        List<SwapResult> swaps = new ArrayList<>();
        boolean needsJob = configs.stream().anyMatch(BenchConfig::runsJob);
        try (EmbeddedKafka kafka = needsJob ? EmbeddedKafka.start(0) : null;
                LocalSchemaRegistry registry =
                        needsJob ? LocalSchemaRegistry.start("127.0.0.1", 0) : null) {
            JobBench jobs =
                    needsJob
                            ? new JobBench(
                                    kafka.bootstrapServers(), registry.url(), settings, runId(),
                                    progress)
                            : null;
            if (jobs != null) {
                jobs.warmUp(models.get(0), WARM_UP_EVENTS);
            }
            for (BenchModel model : models) {
                long nativeBytes = nativeBytes(model);
                for (BenchResult r : runModel(model, configs, jobs, swaps)) {
                    results.add(r.withModelNativeBytes(nativeBytes));
                }
            }
        }
        return new ResultTable(results, swaps);
    }

    /** One codec's micro-batched throughput and the size of its predictions on the broker. */
    public record CompressionResult(String codec, long events, double eventsPerSecond,
            double jobSeconds, long predictionBytes, double bytesPerPrediction) {}

    /**
     * The micro-batched job on the first model once per sink {@code compression.type} in {@code
     * codecs}, each on fresh topics after one shared warm-up: events/s and bytes on the wire.
     */
    public List<CompressionResult> runCompression(Path workDir, List<String> codecs)
            throws Exception {
        BenchModel model = resolveModels(workDir).get(0);
        long events = settings.eventsFor(model.defaultEvents());
        List<CompressionResult> results = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
                LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0)) {
            JobBench jobs = new JobBench(
                    kafka.bootstrapServers(), registry.url(), settings, runId(), progress);
            jobs.warmUp(model, WARM_UP_EVENTS);
            for (String codec : codecs) {
                jobs.override("kafka.sink.properties.compression.type", codec);
                progress.printf("[%s] compression.type=%s%n", model.name(), codec);
                JobBench.Throughput t = jobs.throughput(model, BenchConfig.BATCHED, events);
                progress.printf(Locale.ROOT, "[%s] compression.type=%s: %,d bytes of predictions,"
                                + " %.1f per prediction%n", model.name(), codec,
                        t.predictionBytes(), t.bytesPerPrediction());
                results.add(new CompressionResult(codec, t.events(), t.eventsPerSecond(),
                        t.jobSeconds(), t.predictionBytes(), t.bytesPerPrediction()));
            }
        }
        return results;
    }

    /**
     * The transactional ids each naming strategy leaves on the broker: one job per strategy side
     * by side on the first model with checkpoints every {@code interval}, sampled every {@code
     * every} for {@code duration}.
     */
    public List<JobBench.TransactionIds> runTransactionIds(Path workDir, List<String> namings,
            Duration interval, Duration duration, Duration every) throws Exception {
        BenchModel model = resolveModels(workDir).get(0);
        double rate = settings.latencyRate() != null ? settings.latencyRate() : 200;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
                LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0)) {
            JobBench jobs = new JobBench(
                    kafka.bootstrapServers(), registry.url(), settings, runId(), progress);
            jobs.override("execution.checkpointing.interval", interval.toMillis() + " ms");
            jobs.override("execution.checkpointing.min-pause", "0 ms");
            progress.printf(Locale.ROOT, "[transactional ids] %s side by side, %,.0f events/s"
                            + " each, checkpoints every %d ms, for %d min%n", namings, rate,
                    interval.toMillis(), duration.toMinutes());
            return jobs.transactionIds(model, namings, rate, duration, every);
        }
    }

    private List<BenchResult> runModel(
            BenchModel model, List<BenchConfig> configs, JobBench jobs, List<SwapResult> swaps)
            throws Exception {
        long events = settings.eventsFor(model.defaultEvents());
        List<BenchResult> results = new ArrayList<>();
        Map<BenchConfig, JobBench.Throughput> throughputs = new EnumMap<>(BenchConfig.class);
        for (BenchConfig config : configs) {
            if (config == BenchConfig.RAW) {
                progress.printf(
                        Locale.ROOT,
                        "[%s] %s: at least %,d rows and %d s, batches of %d on %d threads...%n",
                        model.name(), config.label(), events,
                        RawOnnxBench.MIN_DURATION.toSeconds(), settings.batchSize(),
                        settings.parallelism());
                BenchResult raw =
                        new RawOnnxBench(
                                settings.batchSize(), settings.parallelism(), settings.device())
                                .run(model, events);
                progress.printf(
                        Locale.ROOT, "[%s] %s: %,.0f events/s%n",
                        model.name(), config.label(), raw.eventsPerSecond());
                results.add(raw);
            } else {
                throughputs.put(config, jobs.throughput(model, config, events));
            }
        }
        if (throughputs.isEmpty()) {
            return results;
        }
        double slowest =
                throughputs.values().stream()
                        .mapToDouble(JobBench.Throughput::eventsPerSecond)
                        .min()
                        .orElseThrow();
        double rate = settings.latencyRateFor(slowest);
        for (Map.Entry<BenchConfig, JobBench.Throughput> e : throughputs.entrySet()) {
            JobBench.Latency latency = jobs.latency(model, e.getKey(), rate);
            results.add(
                    new BenchResult(
                            model.name(), e.getKey(), e.getValue().events(),
                            e.getValue().eventsPerSecond(), latency.processing(),
                            latency.visible(), rate, latency.cpuSecondsPerMillion(),
                            latency.peakRssBytes(), -1));
            if (e.getKey() == BenchConfig.BATCHED && settings.swapEvery() > 0) {
                JobBench.Latency swapping =
                        jobs.latency(model, BenchConfig.BATCHED, rate, settings.swapEvery());
                swaps.add(
                        new SwapResult(
                                model.name(), settings.swapEvery(),
                                (int) (swapping.events() / settings.swapEvery()), rate,
                                latency.processing(), swapping.processing()));
            }
        }
        return results;
    }

    private List<BenchModel> resolveModels(Path workDir) throws Exception {
        List<BenchModel> models = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String arg : settings.models()) {
            BenchModel model = BenchModel.resolve(arg, workDir);
            if (!names.add(model.name())) {
                throw new IllegalArgumentException(
                        "--model: two models are named '" + model.name() + "' (from '" + arg
                                + "'); give each model once");
            }
            models.add(model);
        }
        return models;
    }

    /** The native memory one session of the model holds, measured on a load of its own. */
    static long nativeBytes(BenchModel model) throws Exception {
        try (OnnxModel onnx = OnnxModel.load(model.name(),
                java.nio.file.Files.readAllBytes(model.file()), RuntimeSettings.defaults())) {
            return onnx.nativeBytes();
        }
    }

    private static String runId() {
        return Long.toString(System.currentTimeMillis(), 36);
    }
}
