package io.inferflow.cli.job;

import picocli.CommandLine.Option;

/** {@code --rest URL}: where the session cluster's REST API (the JobManager) listens. */
public final class RestOption {

    @Option(names = "--rest", paramLabel = "URL", defaultValue = "http://localhost:8081",
            description = "Flink's REST API (JobManager) of the session cluster"
                    + " (default: ${DEFAULT-VALUE}).")
    String url;

    FlinkRestClient client() {
        return new FlinkRestClient(url);
    }
}
