package io.inferflow.jobs;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The job's arguments, {@code --config FILE} and {@code -D key=value}: parsed here for both
 * {@code pipeline job} and the entry point a cluster runs ({@link InferenceJob#main}), so the two
 * accept exactly the same arguments and refuse the same mistakes (an unknown argument, a
 * misspelt option key).
 */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the inference job (or, with --evaluation, the evaluation job) against external"
                    + " Kafka and Schema Registry. Under 'flink run' it is submitted to the"
                    + " cluster; run directly it uses a local MiniCluster."
        })
public final class JobCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file of job options (flat 'key: value' or nested), see"
                    + " docs/reference/configuration.md.")
    Path config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Option overriding the file.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--evaluation",
            description = "Run the evaluation job (labels join, drift windows) instead of the"
                    + " inference job. Deploy both with the same configuration; the evaluation"
                    + " job reads what the inference job commits and never stops predictions.")
    boolean evaluation;

    /**
     * Parses the arguments; null when they asked for help or the version, which is then printed.
     *
     * @throws IllegalArgumentException naming the argument that is wrong
     */
    static JobCommand parse(String... args) {
        JobCommand command = new JobCommand();
        CommandLine line = new CommandLine(command);
        try {
            line.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(
                    e.getMessage() + "\n" + line.getUsageMessage(CommandLine.Help.Ansi.OFF), e);
        }
        if (line.isUsageHelpRequested() || line.isVersionHelpRequested()) {
            line.printVersionHelp(System.out);
            if (line.isUsageHelpRequested()) {
                line.usage(System.out);
            }
            return null;
        }
        return command;
    }

    /** The file's options, then the overrides; every key in the job's namespaces must exist. */
    public Configuration configuration() throws Exception {
        Configuration conf = InferenceJob.loadConfiguration(config, overrides);
        KnownOptions.checkKeys(conf);
        return conf;
    }

    @Override
    public Integer call() throws Exception {
        if (evaluation) {
            EvaluationJob.run(configuration());
        } else {
            InferenceJob.run(configuration());
        }
        return 0;
    }
}
