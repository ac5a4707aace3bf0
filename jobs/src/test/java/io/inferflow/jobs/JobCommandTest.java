package io.inferflow.jobs;

import io.inferflow.operators.InferenceOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arguments {@code pipeline job} and the cluster entry point share. */
class JobCommandTest {

    private static final Path EXAMPLE = Path.of("..", "flink-conf", "job.example.yaml");

    @Test
    void readsTheFileThenTheOverrides() throws Exception {
        Configuration conf =
                JobCommand.parse("--config", EXAMPLE.toString(), "-D", "inference.batch.max-size=7")
                        .configuration();
        assertEquals(7, conf.get(InferenceOptions.BATCH_MAX_SIZE));
        assertEquals("model-control", conf.get(JobOptions.MODEL_CONTROL_TOPIC));
    }

    @Test
    void refusesAnUnknownArgumentWithTheUsage() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> JobCommand.parse("--confg", "job.yaml"));
        assertTrue(e.getMessage().contains("--confg"), e.getMessage());
        assertTrue(e.getMessage().contains("Usage: job"), e.getMessage());
    }

    @Test
    void refusesAMisspeltOptionKeyNamingTheClosestOne() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> JobCommand.parse("-D", "inference.batch.max-sise=7").configuration());
        assertEquals(
                "unknown option 'inference.batch.max-sise' (did you mean"
                        + " 'inference.batch.max-size'?); the options are listed in"
                        + " docs/reference/configuration.md",
                e.getMessage());
    }

    @Test
    void refusesAMisspeltKeyInTheFile(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "topics:\n  predictons: out\n");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> JobCommand.parse("--config", file.toString()).configuration());
        assertTrue(e.getMessage().contains("'topics.predictons' (did you mean 'topics.predictions'?)"),
                e.getMessage());
    }

    @Test
    void leavesFlinksOwnKeysToFlink() throws Exception {
        Configuration conf =
                JobCommand.parse("-D", "execution.checkpointing.interval=5 s",
                                "-D", "parallelism.default=3")
                        .configuration();
        assertEquals("3", conf.toMap().get("parallelism.default"));
    }

    @Test
    void helpIsNoError() {
        assertNull(JobCommand.parse("--help"));
    }
}
