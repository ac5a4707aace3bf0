package io.inferflow.jobs.cli;

import io.inferflow.jobs.InferenceJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pipeline job}: the production job against external Kafka and registry. */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the inference job against external Kafka and Schema Registry. Under 'flink run'"
                    + " it is submitted to the cluster; run directly it uses a local MiniCluster."
        })
final class JobCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file of job options (flat 'key: value' or nested), see README.")
    Path config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Option overriding the file.")
    Map<String, String> overrides = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        InferenceJob.run(InferenceJob.loadConfiguration(config, overrides));
        return 0;
    }
}
