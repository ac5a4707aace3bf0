package io.inferflow.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
final class FlinkJobsProbe {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    /** Per job id: checkpoints counted as failed before its first completed one. */
    private final Map<String, Long> startupFailures = new HashMap<>();

    FlinkJobsProbe(int webPort) {
        this.base = "http://localhost:" + webPort;
    }

    /** The jobs the cluster knows, in the order of the overview. */
    List<SoakSample.Job> jobs() throws IOException, InterruptedException {
        List<SoakSample.Job> jobs = new ArrayList<>();
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
            jobs.add(new SoakSample.Job(
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
    boolean awaitFirstCheckpoints(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<SoakSample.Job> jobs = jobs();
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
