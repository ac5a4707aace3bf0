package io.inferflow.cli.job;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code pipeline job list}: the jobs of a session cluster, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the jobs of a Flink session cluster: id, state, start, name.")
public final class JobListCommand implements Callable<Integer> {

    @Mixin RestOption rest;

    @Override
    public Integer call() {
        FlinkRestClient flink = rest.client();
        System.out.printf("%-32s  %-11s  %-24s  %s%n", "JOB ID", "STATE", "STARTED", "NAME");
        for (FlinkRestClient.JobSummary job : flink.jobs()) {
            System.out.printf("%-32s  %-11s  %-24s  %s%n", job.id(), job.state(),
                    Instant.ofEpochMilli(job.startTime()), job.name());
        }
        return 0;
    }
}
