package io.inferflow.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The errors of {@code pipeline job list/stop/start} that need no cluster. */
class JobCommandsTest {

    /** Each line: the arguments (split at spaces), the exit code, what standard error says. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            job list --rest http://127.0.0.1:1 | 1 | cannot reach Flink's REST API at \
            http://127.0.0.1:1
            job stop j --savepoint-dir /tmp/sp --rest localhost:8081 | 2 | --rest \
            'localhost:8081' is not an http(s) URL
            job start --jar no/such.jar --rest http://127.0.0.1:1 | 2 | --jar 'no/such.jar' \
            is not a file
            job start --jar x.jar --allow-non-restored-state | 2 | \
            --allow-non-restored-state needs --from-savepoint
            job start --jar x.jar --parallelism 0 | 2 | --parallelism must be at least 1, got 0
            job stop j | 2 | Missing required option: '--savepoint-dir=DIR'
            """)
    void badValuesAreNamed(String args, int exit, String message) {
        CliRun run = CliRun.of(args.split(" "));
        assertEquals(exit, run.exit(), run.toString());
        assertTrue(run.err().contains(message), run.toString());
    }

    @Test
    void theReasonOfAFailureIsItsInnermostCause() {
        String trace = "org.apache.flink.util.FlinkException: Triggering a savepoint failed.\n"
                + "\tat org.apache.flink.Some.method(Some.java:1)\n"
                + "Caused by: java.io.IOException: Target directory s3://nope is not writable\n"
                + "\tat org.apache.flink.Other.method(Other.java:2)\n";
        assertEquals("java.io.IOException: Target directory s3://nope is not writable",
                FlinkRestClient.reason(trace));
    }
}
