package io.inferflow.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command answers {@code --help} with its usage and exit code 0. */
class CliHelpTest {

    @Test
    void everyCommandPrintsItsHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new PipelineCommand()), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 15, "commands found: " + paths);
        for (List<String> path : paths) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new PipelineCommand());
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            int code = cli.execute(args.toArray(new String[0]));
            assertEquals(0, code, "pipeline " + String.join(" ", args) + ":\n" + err);
            assertTrue(out.toString().startsWith("Usage: pipeline"), out.toString());
        }
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
        for (var e : cmd.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            out.add(sub);
            collect(e.getValue(), sub, out);
        }
    }
}
