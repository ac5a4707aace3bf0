package io.inferflow.cli;

import io.inferflow.cli.job.FlinkRestException;
import io.inferflow.cli.job.JobListCommand;
import io.inferflow.cli.job.JobStartCommand;
import io.inferflow.cli.job.JobStopCommand;
import io.inferflow.jobs.JobCommand;
import io.inferflow.jobs.kafka.KafkaConnectionException;
import io.inferflow.schemas.registry.SchemaRegistryException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;

/** Entry point of {@code ./pipeline} and of the fat jar. */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        version = "inferflow 0.1.0",
        description = "Streaming ONNX inference on Flink and Kafka.",
        subcommands = {
            LocalCommand.class,
            JobCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            BenchCommand.class,
            ModelCommand.class,
            TopicsCommand.class,
            KeysCommand.class,
            CommandLine.HelpCommand.class
        })
public final class PipelineCommand {

    public static void main(String[] args) {
        // Before any logger exists: logs go to a file, the console stays for the status line.
        if (System.getProperty("inferflow.log.file") == null) {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "inferflow");
            System.setProperty(
                    "inferflow.log.file",
                    dir.resolve("pipeline-" + ProcessHandle.current().pid() + ".log").toString());
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line {@code main} runs, with its error handling; for tests too. */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new PipelineCommand());
        // The job's own arguments live in the jobs module (the cluster's entry point parses
        // them too); the savepoint commands, which talk to a cluster, live here.
        line.getSubcommands().get("job")
                .addSubcommand(new JobListCommand())
                .addSubcommand(new JobStopCommand())
                .addSubcommand(new JobStartCommand());
        return line
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(PipelineCommand::handle);
    }

    /** Bad input: one line naming it. Anything else: the message, the full trace in the log. */
    private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof IllegalArgumentException) {
            cmd.getErr().println("error: " + e.getMessage());
            return 2;
        }
        if (e instanceof KafkaConnectionException || e instanceof SchemaRegistryException
                || e instanceof FlinkRestException) {
            // Their messages say what failed and what to set; the trace is for the log file.
            LoggerFactory.getLogger(PipelineCommand.class)
                    .warn("{} failed", cmd.getCommandName(), e);
            cmd.getErr().println("error: " + e.getMessage());
            return 1;
        }
        LoggerFactory.getLogger(PipelineCommand.class).error("{} failed", cmd.getCommandName(), e);
        cmd.getErr().println("error: " + e + " (details in " + logFile() + ")");
        return 1;
    }

    static Path logFile() {
        return Path.of(System.getProperty("inferflow.log.file"));
    }
}
