package io.inferflow.cli.bench;

import io.inferflow.cli.local.LocalMode;
import io.inferflow.cli.local.LocalPaths;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ControlHistory;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.registry.RegistrySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pushes a new version of local mode's demo model every {@code pushEvery} during a soak, every
 * {@code canaryEvery} as a 20% canary that the rollout judge promotes on its own, so that the run
 * shows what months of pushes do: each push is signed, writes its VERSION record, and every
 * subtask fetches, verifies, loads and warms up a new ONNX Runtime session and closes the old
 * one. Two files of the demo's shape alternate. Each push notes how long the subtasks took to
 * report ACTIVE, the process RSS and how many versions of the model still have metrics (each
 * serving session has them; a session not released would stay among them).
 */
final class SoakPusher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SoakPusher.class);

    /** A version's nativeBytes series of the demo model (Flink's Prometheus names). */
    private static final Pattern NATIVE_BYTES = Pattern.compile(
            "model_version_nativeBytes\\{([^}]*)}");
    private static final Pattern VERSION_LABEL = Pattern.compile("\\bversion=\"(\\d+)\"");

    /** One push, as the soak saw it. */
    record Push(double atSeconds, long version, boolean canary, boolean active,
            double activeSeconds, String reason, long rssBytes, int liveVersions) {}

    private final String bootstrap;
    private final String registryUrl;
    private final int metricsPort;
    private final Duration pushEvery;
    private final long canaryEveryPushes;
    private final Path dir;
    private final List<Push> pushes = new ArrayList<>();
    private final Thread thread;
    private final long start = System.nanoTime();
    private volatile boolean running = true;

    SoakPusher(String bootstrap, String registryUrl, int metricsPort, Duration pushEvery,
            Duration canaryEvery, Path dir) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.metricsPort = metricsPort;
        this.pushEvery = pushEvery;
        this.canaryEveryPushes = canaryEvery == null ? 0
                : Math.max(1, canaryEvery.toMillis() / pushEvery.toMillis());
        this.dir = dir;
        this.thread = new Thread(this::loop, "inferflow-soak-pusher");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The pushes so far. */
    synchronized List<Push> pushes() {
        return List.copyOf(pushes);
    }

    private void loop() {
        try {
            Files.createDirectories(dir);
            Path[] files = {
                Files.write(dir.resolve("demo-a.onnx"), Mlp.random(42, 16, 64, 32, 1)
                        .toOnnx("features")),
                Files.write(dir.resolve("demo-b.onnx"), Mlp.random(43, 16, 64, 32, 1)
                        .toOnnx("features"))
            };
            KeyPair key = new KeyPair(Ed25519.readPublic(LocalPaths.publicKey()),
                    Ed25519.readPrivate(LocalPaths.privateKey()));
            Path profile = LocalMode.demoProfileFile(LocalMode.DEMO_MODEL);
            String profileJson = Files.isRegularFile(profile) ? Files.readString(profile) : null;
            ModelStore store = new ModelStore(LocalPaths.store());
            long n = 0;
            while (running) {
                Thread.sleep(pushEvery.toMillis());
                if (!running) {
                    return;
                }
                n++;
                boolean canary = canaryEveryPushes > 0 && n % canaryEveryPushes == 0;
                push(files[(int) (n % 2)], canary, key, profileJson, store);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("the soak's pusher stopped", e);
        }
    }

    private void push(Path file, boolean canary, KeyPair key, String profileJson,
            ModelStore store) throws Exception {
        String model = LocalMode.DEMO_MODEL;
        try (ModelControlClient client = new ModelControlClient(KafkaClients.plain(bootstrap),
                RegistrySettings.of(registryUrl), JobOptions.MODEL_CONTROL_TOPIC.defaultValue(),
                JobOptions.MODEL_STATUS_TOPIC.defaultValue()).signingWith(key)) {
            ControlHistory history = client.history();
            long version = history.highestVersion(model) + 1;
            long generation = history.nextGeneration(model);
            byte[] bytes = Files.readAllBytes(file);
            String sha256 = Hashes.sha256Hex(bytes);
            URI uri = store.put(file, model, version, sha256);
            ModelControl deploy = ControlRecords.deploy(model, version, generation,
                    uri.toString(), sha256, "features", 16, ModelPrecision.FP32, key, "soak");
            deploy.setProfile(profileJson);
            ModelControl record = deploy;
            ModelControl stable = history.desired(model).orElse(null);
            if (canary && stable != null && !Rollouts.inProgress(stable)) {
                ModelCandidate candidate = ControlRecords.candidate(deploy)
                        .setMode(RolloutMode.CANARY)
                        .setPercent(20)
                        .setMinEvents(500)
                        .setMaxFailureRate(0.01)
                        .setAutoPromoteAfter(2_000)
                        .build();
                record = Rollouts.withCandidate(stable, candidate, generation, Instant.now(),
                        "soak");
            } else {
                canary = false;
            }
            client.writeVersion(ControlRecords.version(deploy));
            long sent = System.nanoTime();
            Map<Integer, ModelStatus> finals = client.send(record, Duration.ofSeconds(120),
                    s -> {});
            double took = (System.nanoTime() - sent) / 1e9;
            String reason = finals.values().stream()
                    .filter(s -> s.getState() != ModelState.ACTIVE)
                    .map(s -> s.getState() + " " + s.getReason())
                    .findFirst().orElse(null);
            Push p = new Push((System.nanoTime() - start) / 1e9, version, canary,
                    reason == null && !finals.isEmpty(), took, reason, SoakRun.rssBytes(),
                    liveVersions());
            synchronized (this) {
                pushes.add(p);
            }
            LOG.info("soak push {}", p);
        } catch (java.util.concurrent.TimeoutException e) {
            synchronized (this) {
                pushes.add(new Push((System.nanoTime() - start) / 1e9, -1, canary, false, -1,
                        e.getMessage(), SoakRun.rssBytes(), liveVersions()));
            }
        }
    }

    /** Versions of the demo model with metrics now (each serving session has them); -1: unknown. */
    int liveVersions() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort
                            + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Set<String> versions = new TreeSet<>();
            for (String line : response.body().split("\n")) {
                Matcher series = NATIVE_BYTES.matcher(line);
                if (line.startsWith("#") || !series.find()
                        || !series.group(1).contains("model=\"demo\"")) {
                    continue;
                }
                Matcher version = VERSION_LABEL.matcher(series.group(1));
                if (version.find()) {
                    versions.add(version.group(1));
                }
            }
            return versions.size();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(30_000);
    }
}
