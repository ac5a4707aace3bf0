package io.inferflow.jobs.cli;

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
        int code = new CommandLine(new PipelineCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
        System.exit(code);
    }

    static Path logFile() {
        return Path.of(System.getProperty("inferflow.log.file"));
    }
}
