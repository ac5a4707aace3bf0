package io.inferflow.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads every job's state, latest checkpoint and restarts from a Flink REST API:
 * {@code /jobs/overview}, then per job {@code /jobs/:id/checkpoints} and the job metric
 * {@code numRestarts} (-1 while the REST API has not fetched it yet).
 *
 * <p>Failed checkpoints are counted from the first look at a job with a completed checkpoint
 * on: Flink also counts as failed every checkpoint it could not trigger because the job's tasks
 * were still starting, which says nothing about the job under load. Such failures leave
 * {@code latest.failed} empty (only a triggered checkpoint that failed fills it), so the
 * failures seen until then are set aside only while it is empty.
 * {@link #awaitFirstCheckpoints} polls until every job has completed a checkpoint.
 *
 * <p>Local mode's status line and the soak check ({@code pipeline bench --soak}) read it.
 */
public final class FlinkJobsProbe {

    /**
     * One Flink job as the REST API reports it.
     *
     * @param checkpointBytes size of the latest completed checkpoint; null before the first
     * @param checkpointMillis end-to-end duration of that checkpoint; null before the first
     * @param restarts -1 while the REST API has not fetched the metric yet
     */
    public record Job(
            String id,
            String name,
            String state,
            Long checkpointBytes,
            Long checkpointMillis,
            long failedCheckpoints,
            long restarts) {

        /** {@code NAME RUNNING}, with restarts and failed checkpoints when there are any. */
        public String describe(String shortName) {
            List<String> trouble = new ArrayList<>();
            if (restarts > 0) {
                trouble.add(restarts + (restarts == 1 ? " restart" : " restarts"));
            }
            if (failedCheckpoints > 0) {
                trouble.add(failedCheckpoints + " failed checkpoint"
                        + (failedCheckpoints == 1 ? "" : "s"));
            }
            return shortName + " " + state
                    + (trouble.isEmpty() ? "" : " (" + String.join(", ", trouble) + ")");
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    /** Per job id: checkpoints counted as failed before its first completed one. */
    private final Map<String, Long> startupFailures = new ConcurrentHashMap<>();

    public FlinkJobsProbe(int webPort) {
        this.base = "http://localhost:" + webPort;
    }

    /** The jobs the cluster knows, in the order of the overview. */
    public List<Job> jobs() throws IOException, InterruptedException {
        List<Job> jobs = new ArrayList<>();
        for (JsonNode job : get("/jobs/overview").path("jobs")) {
            String id = job.path("jid").asText();
            JsonNode checkpoints = get("/jobs/" + id + "/checkpoints");
            JsonNode latest = checkpoints.path("latest").path("completed");
            long failed = checkpoints.path("counts").path("failed").asLong();
            boolean triggerFailuresOnly = !checkpoints.path("latest").path("failed").isObject();
            if ((!startupFailures.containsKey(id) || !latest.isObject())
                    && triggerFailuresOnly) {
                startupFailures.put(id, failed);
            }
            jobs.add(new Job(
                    id,
                    job.path("name").asText(),
                    job.path("state").asText(),
                    latest.isObject() ? stateSize(latest) : null,
                    latest.isObject() ? latest.path("end_to_end_duration").asLong() : null,
                    failed - startupFailures.getOrDefault(id, 0L),
                    restarts(id)));
        }
        return jobs;
    }

    /**
     * Polls every half second until there is a job and every job has completed a checkpoint,
     * at most {@code timeout}; returns whether they have.
     */
    public boolean awaitFirstCheckpoints(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Job> jobs = jobs();
            if (!jobs.isEmpty() && jobs.stream().allMatch(j -> j.checkpointBytes() != null)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    /** {@code state_size} is the full size; {@code checkpointed_size} only what was new. */
    private static long stateSize(JsonNode completed) {
        JsonNode full = completed.path("state_size");
        return full.isNumber() ? full.asLong() : completed.path("checkpointed_size").asLong();
    }

    private long restarts(String id) throws IOException, InterruptedException {
        for (JsonNode metric : get("/jobs/" + id + "/metrics?get=numRestarts")) {
            if ("numRestarts".equals(metric.path("id").asText())) {
                return metric.path("value").asLong();
            }
        }
        return -1; // the REST API fetches metrics every few seconds; none yet
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + base + path + ": HTTP " + response.statusCode()
                    + " " + response.body());
        }
        return MAPPER.readTree(response.body());
    }
}
