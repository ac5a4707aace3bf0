package io.inferflow.cli;

import io.inferflow.jobs.ModelArg;
import io.inferflow.cli.local.LocalMode;
import io.inferflow.cli.local.LocalSettings;
import io.inferflow.cli.local.PortInUseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code pipeline local}: the whole product on this machine. */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the whole product on this machine: embedded Kafka, Schema Registry, a Flink"
                    + " MiniCluster with web UI and Prometheus endpoint, a demo model and a demo"
                    + " producer. Prints a status line every few seconds."
        })
final class LocalCommand implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "0", paramLabel = "S",
            description = "Seconds to run, then stop and exit; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--rate", defaultValue = "100", paramLabel = "N",
            description = "Demo producer rate in events/s; 0 starts no producer (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--model", paramLabel = "NAME[:VERSION]=FILE.onnx",
            description = "Serve this ONNX model (repeatable). Without it a demo MLP (16 features) is served as 'demo'.")
    List<String> models = new ArrayList<>();

    @Option(names = "--parallelism", defaultValue = "2",
            description = "Flink parallelism and partitions of the topics (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Default: ${DEFAULT-VALUE}.")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8085", description = "Default: ${DEFAULT-VALUE}.")
    int registryPort;

    @Option(names = "--web-port", defaultValue = "8081", description = "Flink web UI. Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--metrics-port", defaultValue = "9249", description = "Prometheus endpoint. Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "1000",
            description = "Checkpoint interval; predictions become visible to read_committed readers on each checkpoint (default: ${DEFAULT-VALUE}).")
    long checkpointMillis;

    @Option(names = "--status-every-ms", defaultValue = "5000", description = "Default: ${DEFAULT-VALUE}.")
    long statusMillis;

    @Option(names = "--secure",
            description = "Secure the stack as a production cluster is: the broker's only client"
                    + " listener is SASL_SSL (SCRAM-SHA-512/256, PLAIN, OAUTHBEARER), the registry"
                    + " requires basic auth over HTTPS; a throw-away CA, passwords and a"
                    + " client.properties for --command-config are written to --secure-dir.")
    boolean secure;

    @Option(names = "--secure-dir", paramLabel = "DIR",
            description = "Where --secure writes its certificates, secrets.properties and"
                    + " client.properties (default: secure/ in the run's work directory).")
    Path secureDir;

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "Any job option, e.g. -Dinference.batch.max-size=128 (see docs/reference/configuration.md).")
    Map<String, String> overrides = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        List<ModelArg> parsed = new ArrayList<>();
        for (String m : models) {
            parsed.add(ModelArg.parse(m));
        }
        Path logFile = PipelineCommand.logFile();
        Path workDir =
                Files.createDirectories(
                        logFile.getParent().resolve("local-" + ProcessHandle.current().pid()));
        LocalSettings settings =
                new LocalSettings(
                        Duration.ofSeconds(durationSeconds),
                        rate,
                        parsed,
                        parallelism,
                        kafkaPort,
                        registryPort,
                        webPort,
                        metricsPort,
                        Duration.ofMillis(checkpointMillis),
                        Duration.ofMillis(statusMillis),
                        workDir,
                        logFile,
                        overrides,
                        secure || secureDir != null
                                ? (secureDir != null ? secureDir : workDir.resolve("secure"))
                                : null);
        LocalMode local = new LocalMode(settings, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    if (stopped.getCount() > 0) {
                                        System.out.println("Stopping...");
                                        local.close();
                                    }
                                }));
        try {
            local.start();
        } catch (PortInUseException e) {
            System.err.println("error: " + e.getMessage());
            local.close();
            stopped.countDown();
            return 2;
        }
        if (durationSeconds == 0) {
            stopped.await();
            return 0;
        }
        stopped.await(durationSeconds, TimeUnit.SECONDS);
        long predictions = local.predictions();
        long deadLetters = local.deadLetters();
        local.close();
        stopped.countDown();
        System.out.printf(
                "Stopped after %d s: %,d predictions, %,d dead letters.%n",
                durationSeconds, predictions, deadLetters);
        if (rate > 0 && predictions == 0) {
            System.err.println(
                    "error: no prediction was read back; see the log " + logFile);
            return 1;
        }
        return 0;
    }
}
