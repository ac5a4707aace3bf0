package io.inferflow.clustertests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** The cluster checks as {@code mvn verify} runs them, after {@code package}. */
final class AfterPackage {

    private AfterPackage() {}

    /**
     * {@code check} with {@code events} at {@code rate}, on the classpath file and job jar that
     * {@code package} wrote, its work directory under {@code target/}.
     */
    static <S extends ClusterCheck<S>> S settings(S check, int events, double rate, String name) {
        Path target = Path.of("target");
        Path classpath = target.resolve("flink-cluster.classpath");
        Path jar = Path.of("..", "jobs", "target", "inferflow-job.jar");
        assertTrue(Files.isRegularFile(classpath) && Files.isRegularFile(jar),
                "run after `package`: needs " + classpath + " and " + jar);
        return check.settings(events, rate, classpath, jar, Path.of("../flink-conf/config.yaml"),
                target.resolve(name + "-" + System.currentTimeMillis()));
    }

    /** Runs a check set up by {@link #settings} and asserts it found nothing wrong. */
    static <R extends ClusterCheck.Outcome> R passes(Callable<R> check) throws Exception {
        R result = check.call();
        assertEquals(List.of(), result.violations(), "violations; logs in " + result.workDir());
        return result;
    }
}
