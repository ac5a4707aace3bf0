package io.inferflow.clustertests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The few calls of Flink's REST API a session-cluster user needs: upload, run, watch a job. */
public final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String base) {
        this.base = base;
    }

    /** {@code POST /jars/upload}; returns the jar id for {@link #run}. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----inferflow" + UUID.randomUUID();
        String head =
                "--" + boundary + "\r\n"
                        + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName() + "\"\r\n"
                        + "Content-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                        .timeout(Duration.ofMinutes(5))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                HttpRequest.BodyPublishers.concat(
                                        HttpRequest.BodyPublishers.ofString(head),
                                        HttpRequest.BodyPublishers.ofFile(jar),
                                        HttpRequest.BodyPublishers.ofString(tail)))
                        .build();
        JsonNode body = send(request);
        String filename = body.path("filename").asText();
        if (filename.isEmpty()) {
            throw new IOException("jar upload answered " + body);
        }
        return Path.of(filename).getFileName().toString();
    }

    /** {@code POST /jars/:id/run}; returns the job id. */
    public String run(String jarId, String entryClass, List<String> args, int parallelism)
            throws IOException, InterruptedException {
        String json =
                JSON.writeValueAsString(
                        Map.of(
                                "entryClass", entryClass,
                                "programArgsList", args,
                                "parallelism", parallelism));
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                        .timeout(Duration.ofMinutes(3))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build();
        JsonNode body = send(request);
        String jobId = body.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IOException("job submission answered " + body);
        }
        return jobId;
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

    /** Number of TaskManagers registered with the ResourceManager. */
    /** The number of checkpoints of the job that completed so far. */
    public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    public int taskManagers() throws IOException, InterruptedException {
        return get("/taskmanagers").path("taskmanagers").size();
    }

    public void cancel(String jobId) throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                        .timeout(Duration.ofSeconds(30))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .build();
        http.send(request, HttpResponse.BodyHandlers.discarding());
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build());
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(
                    request.method() + " " + request.uri() + " answered "
                            + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
