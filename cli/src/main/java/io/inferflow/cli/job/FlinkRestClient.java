package io.inferflow.cli.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The calls of Flink's REST API that upgrading and rescaling a job on a session cluster needs:
 * list the jobs, stop one with a savepoint and follow the savepoint, upload a jar and run it from
 * a savepoint. Failures throw {@link FlinkRestException} naming the URL or the job, with Flink's
 * own reason; a bad argument throws {@link IllegalArgumentException} naming it.
 *
 * <pre>{@code
 * FlinkRestClient flink = new FlinkRestClient("http://jobmanager:8081");
 * String trigger = flink.stopWithSavepoint(jobId, "s3://bucket/savepoints");
 * }</pre>
 */
public final class FlinkRestClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");

    /** A job as {@code GET /jobs/overview} lists it. */
    public record JobSummary(String id, String name, String state, long startTime) {}

    /** Where a savepoint stands: in progress, done at {@code location}, or failed. */
    public record SavepointStatus(boolean done, String location, String failure) {}

    /** What {@code POST /jars/:id/run} starts; null savepoint and parallelism for none. */
    public record Run(String entryClass, List<String> args, Integer parallelism,
            String savepointPath, boolean allowNonRestoredState) {}

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @throws IllegalArgumentException when {@code url} is not an http(s) URL with a host */
    public FlinkRestClient(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException(
                        "--rest '" + url + "' is not an http(s) URL such as http://host:8081");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--rest '" + url + "' is not a URL: "
                    + e.getMessage(), e);
        }
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String url() {
        return base;
    }

    /** Every job the cluster knows, newest first. */
    public List<JobSummary> jobs() {
        List<JobSummary> jobs = new ArrayList<>();
        for (JsonNode j : get("/jobs/overview").path("jobs")) {
            jobs.add(new JobSummary(j.path("jid").asText(), j.path("name").asText(),
                    j.path("state").asText(), j.path("start-time").asLong()));
        }
        jobs.sort((a, b) -> Long.compare(b.startTime(), a.startTime()));
        return jobs;
    }

    /**
     * The id of the job {@code idOrName} names: a job id the cluster knows, or the name of
     * exactly one RUNNING job.
     *
     * @throws IllegalArgumentException when it names none or several
     */
    public JobSummary running(String idOrName) {
        List<JobSummary> jobs = jobs();
        if (JOB_ID.matcher(idOrName).matches()) {
            return jobs.stream().filter(j -> j.id().equals(idOrName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "no job with id " + idOrName + " at " + base));
        }
        List<JobSummary> named = jobs.stream()
                .filter(j -> j.name().equals(idOrName) && "RUNNING".equals(j.state()))
                .toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        if (named.isEmpty()) {
            throw new IllegalArgumentException("no running job named '" + idOrName + "' at "
                    + base + "; running: " + jobs.stream()
                            .filter(j -> "RUNNING".equals(j.state()))
                            .map(j -> j.id() + " '" + j.name() + "'").toList());
        }
        throw new IllegalArgumentException(named.size() + " running jobs are named '" + idOrName
                + "' at " + base + ": " + named.stream().map(JobSummary::id).toList()
                + "; give the job id");
    }

    /** The job's state ({@code GET /jobs/:id}). */
    public String state(String jobId) {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /**
     * Starts stop-with-savepoint ({@code POST /jobs/:id/stop}): the sources stop at a savepoint
     * written under {@code targetDirectory}, then the job finishes. Returns the trigger id for
     * {@link #savepoint}.
     */
    public String stopWithSavepoint(String jobId, String targetDirectory) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("targetDirectory", targetDirectory);
        body.put("drain", false);
        body.put("formatType", "CANONICAL");
        String trigger = post("/jobs/" + jobId + "/stop", body).path("request-id").asText();
        if (trigger.isEmpty()) {
            throw new FlinkRestException("stop of job " + jobId + " at " + base
                    + " answered no request id");
        }
        return trigger;
    }

    /** The savepoint of trigger {@code triggerId} of job {@code jobId}. */
    public SavepointStatus savepoint(String jobId, String triggerId) {
        JsonNode answer = get("/jobs/" + jobId + "/savepoints/" + triggerId);
        if (!"COMPLETED".equals(answer.path("status").path("id").asText())) {
            return new SavepointStatus(false, null, null);
        }
        JsonNode operation = answer.path("operation");
        JsonNode cause = operation.path("failure-cause");
        if (!cause.isMissingNode() && !cause.isNull()) {
            return new SavepointStatus(true, null, reason(cause.path("stack-trace").asText(
                    cause.path("class").asText("unknown failure"))));
        }
        return new SavepointStatus(true, operation.path("location").asText(), null);
    }

    /** {@code POST /jars/upload}; returns the jar id for {@link #run}. */
    public String uploadJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar '" + jar + "' is not a file");
        }
        String boundary = "----inferflow" + UUID.randomUUID();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.BodyPublisher file;
        try {
            file = HttpRequest.BodyPublishers.ofFile(jar);
        } catch (IOException e) {
            throw new IllegalArgumentException("--jar '" + jar + "' cannot be read: " + e, e);
        }
        JsonNode answer = send(request("/jars/upload", Duration.ofMinutes(5))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head),
                        file, HttpRequest.BodyPublishers.ofString(tail)))
                .build());
        String filename = answer.path("filename").asText();
        if (filename.isEmpty()) {
            throw new FlinkRestException("upload of " + jar + " to " + base + " answered "
                    + answer);
        }
        return Path.of(filename).getFileName().toString();
    }

    /** {@code POST /jars/:id/run}; returns the new job's id. */
    public String run(String jarId, Run run) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entryClass", run.entryClass());
        body.put("programArgsList", run.args());
        if (run.parallelism() != null) {
            body.put("parallelism", run.parallelism());
        }
        if (run.savepointPath() != null) {
            body.put("savepointPath", run.savepointPath());
            body.put("allowNonRestoredState", run.allowNonRestoredState());
        }
        String jobId = send(request("/jars/" + jarId + "/run", Duration.ofMinutes(3))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body)))
                .build()).path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new FlinkRestException("running jar " + jarId + " at " + base
                    + " answered no job id");
        }
        return jobId;
    }

    /** The first line of the job's root exception, null when it has none. */
    public String rootException(String jobId) {
        JsonNode root = get("/jobs/" + jobId + "/exceptions").path("root-exception");
        return root.isMissingNode() || root.isNull() ? null : reason(root.asText());
    }

    /** Cancels the job ({@code PATCH /jobs/:id?mode=cancel}). */
    public void cancel(String jobId) {
        send(request("/jobs/" + jobId + "?mode=cancel", Duration.ofSeconds(30))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build());
    }

    /** {@code GET path} as JSON. */
    public JsonNode get(String path) {
        return send(request(path, Duration.ofSeconds(10)).GET().build());
    }

    private JsonNode post(String path, Map<String, Object> body) {
        return send(request(path, Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body)))
                .build());
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    }

    private JsonNode send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new FlinkRestException("cannot reach Flink's REST API at " + base
                    + " (--rest): " + e.getClass().getSimpleName(), e);
        } catch (IOException e) {
            throw new FlinkRestException(request.method() + " " + request.uri() + " failed: "
                    + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlinkRestException("interrupted while calling " + request.uri(), e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new FlinkRestException(request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": " + errors(response.body()));
        }
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new FlinkRestException(request.uri() + " answered no JSON: " + e, e);
        }
    }

    /** Flink's {@code {"errors": [...]}}, first lines only; the body when it is not that. */
    private static String errors(String body) {
        try {
            List<String> errors = new ArrayList<>();
            for (JsonNode e : JSON.readTree(body).path("errors")) {
                errors.add(reason(e.asText()));
            }
            return errors.isEmpty() ? body : String.join("; ", errors);
        } catch (IOException e) {
            return body;
        }
    }

    /** The innermost "Caused by" of a stack trace, or its first line. */
    static String reason(String trace) {
        String reason = trace.lines().findFirst().orElse(trace).strip();
        for (String line : trace.lines().toList()) {
            if (line.startsWith("Caused by: ")) {
                reason = line.substring("Caused by: ".length()).strip();
            }
        }
        return reason;
    }

    private static String json(Map<String, Object> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
