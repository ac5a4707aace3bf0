package io.inferflow.clustertests;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferflow.cli.job.FlinkRestClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the cluster checks read of Flink's REST API (whether every task runs, attempts,
 * checkpoints, TaskManagers), over the product's client ({@link FlinkRestClient}: upload, run,
 * stop with a savepoint, cancel).
 */
public final class FlinkRest {

    private final FlinkRestClient client;

    public FlinkRest(String base) {
        this.client = new FlinkRestClient(base);
    }

    /** The product's client of the same REST API. */
    public FlinkRestClient client() {
        return client;
    }

    /** {@code POST /jars/upload}; returns the jar id for {@link #run}. */
    public String uploadJar(Path jar) {
        return client.uploadJar(jar);
    }

    /** {@code POST /jars/:id/run}; returns the job id. */
    public String run(String jarId, String entryClass, List<String> args, int parallelism) {
        return client.run(jarId, new FlinkRestClient.Run(entryClass, args, parallelism, null,
                false));
    }

    /** {@code GET /jobs/:id}: state and vertices (each with status and tasks by state). */
    public JsonNode job(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId);
    }

    /** Whether the job and every task of every vertex is RUNNING. */
    public boolean allRunning(String jobId) throws IOException, InterruptedException {
        JsonNode job = job(jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            int parallelism = v.path("parallelism").asInt();
            if (!"RUNNING".equals(v.path("status").asText())
                    || v.path("tasks").path("RUNNING").asInt() != parallelism) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the job and all its tasks are RUNNING on attempts deployed at or after
     * {@code sinceMillis} (a vertex's start time is the earliest start of its current attempts).
     */
    public boolean runningSince(String jobId, long sinceMillis)
            throws IOException, InterruptedException {
        if (!allRunning(jobId)) {
            return false;
        }
        for (JsonNode v : job(jobId).path("vertices")) {
            if (v.path("start-time").asLong() < sinceMillis) {
                return false;
            }
        }
        return true;
    }

    /**
     * The highest execution attempt number of any subtask: how often the job's tasks were
     * redeployed after failures. (The {@code numRestarts} metric stays 0 for the region
     * failovers that recover this job in Flink 2.2, so it cannot serve.)
     */
    public int maxAttempt(String jobId) throws IOException, InterruptedException {
        int max = 0;
        for (JsonNode v : job(jobId).path("vertices")) {
            for (JsonNode s : get("/jobs/" + jobId + "/vertices/" + v.path("id").asText())
                    .path("subtasks")) {
                max = Math.max(max, s.path("attempt").asInt());
            }
        }
        return max;
    }

    /** The number of checkpoints of the job that completed so far. */
    public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** Number of TaskManagers registered with the ResourceManager. */
    public int taskManagers() throws IOException, InterruptedException {
        return get("/taskmanagers").path("taskmanagers").size();
    }

    public void cancel(String jobId) {
        client.cancel(jobId);
    }

    public JsonNode get(String path) {
        return client.get(path);
    }
}
