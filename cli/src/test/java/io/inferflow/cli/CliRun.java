package io.inferflow.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@code pipeline ARGS...} in this JVM as {@code main} would (same error handling) and keeps
 * its exit code, standard output and standard error.
 *
 * <pre>{@code
 * CliRun run = CliRun.of("model", "status", "--command-config", file.toString());
 * assertEquals(0, run.exit(), run.toString());
 * }</pre>
 */
public record CliRun(int exit, String out, String err) {

    /** Runs the command; System.out and System.err are captured meanwhile. */
    public static synchronized CliRun of(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            exit = PipelineCommand.commandLine().setOut(new java.io.PrintWriter(o, true))
                    .setErr(new java.io.PrintWriter(e, true)).execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
