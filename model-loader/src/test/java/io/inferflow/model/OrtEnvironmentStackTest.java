package io.inferflow.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime 1.29 overflows a 1 MB thread stack (SIGSEGV, the JVM dies) when it creates its
 * environment in a process with a long command line, as a Flink TaskManager has. A child JVM with
 * a 6,000-character system property loads a model on a thread with a 1 MB stack: through {@link
 * OnnxModel}, which starts the environment with {@link OnnxRuntimeEnvironment}, it must live.
 */
class OrtEnvironmentStackTest {

    @Test
    void loadsOnASmallStackThreadInAProcessWithALongCommandLine() throws Exception {
        Result result = runChild(LoadOnSmallStack.class);
        assertEquals(0, result.exitCode, "the child JVM died:\n" + result.output);
        assertTrue(result.output.contains("loaded width 4"), result.output);
    }

    /** Loads a generated model through OnnxModel on a thread with a 1 MB stack. */
    public static final class LoadOnSmallStack {
        public static void main(String[] args) throws Exception {
            Throwable[] failure = new Throwable[1];
            Thread thread =
                    new Thread(
                            null,
                            () -> {
                                try (OnnxModel model =
                                        OnnxModel.load(
                                                "small-stack",
                                                Mlp.random(1, 4, 8, 1).toOnnx("features"),
                                                RuntimeSettings.defaults())) {
                                    System.out.println("loaded width " + model.inputWidth());
                                } catch (Throwable t) {
                                    failure[0] = t;
                                }
                            },
                            "small-stack",
                            1024 * 1024);
            thread.start();
            thread.join();
            if (failure[0] != null) {
                failure[0].printStackTrace();
                System.exit(2);
            }
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result runChild(Class<?> main) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String longValue = "x".repeat(6_000);
        Process process =
                new ProcessBuilder(
                                List.of(
                                        java,
                                        "-Dinferflow.test.long=" + longValue,
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        main.getName()))
                        .redirectErrorStream(true)
                        .start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
