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

/**
 * The state of local mode's Flink jobs through the MiniCluster's REST API: job state, restarts
 * and failed checkpoints, so the status line says when a job is restarting or a checkpoint
 * failed instead of printing 0 ev/s as if nothing happened.
 */
final class JobHealth {

    /** One job's health. */
    record Job(String name, String state, long restarts, long failedCheckpoints) {

        boolean healthy() {
            return state.equals("RUNNING") && restarts == 0 && failedCheckpoints == 0;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(name).append(' ').append(state);
            List<String> trouble = new ArrayList<>();
            if (restarts > 0) {
                trouble.add(restarts + (restarts == 1 ? " restart" : " restarts"));
            }
            if (failedCheckpoints > 0) {
                trouble.add(failedCheckpoints + " failed checkpoint"
                        + (failedCheckpoints == 1 ? "" : "s"));
            }
            if (!trouble.isEmpty()) {
                s.append(" (").append(String.join(", ", trouble)).append(')');
            }
            return s.toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final Map<String, String> shortNames;
    /** Per job id: failed checkpoints counted when the first one had completed. */
    private final Map<String, Long> failedAtStart = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param restUrl the MiniCluster's REST address
     * @param shortNames job name to the name the status line uses
     */
    JobHealth(String restUrl, Map<String, String> shortNames) {
        this.base = restUrl;
        this.shortNames = Map.copyOf(shortNames);
    }

    /** The jobs {@code shortNames} names that are not finished, in REST order. */
    List<Job> jobs() throws IOException, InterruptedException {
        List<Job> jobs = new ArrayList<>();
        for (JsonNode job : get("/jobs/overview").path("jobs")) {
            String name = shortNames.get(job.path("name").asText());
            String state = job.path("state").asText();
            if (name == null || state.equals("CANCELED") || state.equals("FINISHED")) {
                continue;
            }
            String id = job.path("jid").asText();
            jobs.add(new Job(name, state, restarts(id), failedCheckpoints(id)));
        }
        return jobs;
    }

    /** {@code inference RUNNING, evaluation RESTARTING (3 restarts)}, or why it is unknown. */
    String summary() {
        try {
            List<Job> jobs = jobs();
            return jobs.isEmpty()
                    ? "no job running"
                    : String.join(", ", jobs.stream().map(Job::toString).toList());
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private long restarts(String jobId) throws IOException, InterruptedException {
        for (JsonNode metric : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            return metric.path("value").asLong();
        }
        return 0;
    }

    /**
     * Checkpoints that failed once the job had completed one: before that, Flink counts the
     * triggers it skips while tasks are still starting ("not all required tasks are currently
     * running"), which are no failure of the job.
     */
    private long failedCheckpoints(String jobId) throws IOException, InterruptedException {
        JsonNode counts = get("/jobs/" + jobId + "/checkpoints").path("counts");
        long failed = counts.path("failed").asLong();
        if (counts.path("completed").asLong() == 0) {
            return 0;
        }
        return failed - failedAtStart.computeIfAbsent(jobId, id -> failed);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }
}
