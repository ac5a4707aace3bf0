package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link SchemaRegistryClientContract} against Apicurio Registry, a real third-party
 * Confluent-compatible registry, started as a child process from the distribution that
 * maven-dependency-plugin unpacks into {@code target/apicurio}. Its output goes to
 * {@code target/apicurio.log}. Needs Java 21+: {@code APICURIO_JAVA}, else a Temurin 2x JDK under
 * {@code /usr/lib/jvm}, else the JVM running the test if it is new enough.
 */
class ApicurioRegistryITCase extends SchemaRegistryClientContract {

    private static final Logger LOG = LoggerFactory.getLogger(ApicurioRegistryITCase.class);

    private static final Path DIST = Paths.get("target", "apicurio");
    private static final Path LOG_FILE = Paths.get("target", "apicurio.log");
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

    private static Process process;
    private static String url;

    @BeforeAll
    static void startApicurio() throws Exception {
        Path jar = DIST.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            fail(jar.toAbsolutePath() + " is missing: build the schemas module through"
                    + " process-test-resources (maven-dependency-plugin unpacks"
                    + " io.apicurio:apicurio-registry-app:tar.gz:all there) and do not set"
                    + " -Dapicurio.skip");
        }
        int httpPort = freePort();
        int managementPort = freePort();
        List<String> command = List.of(java21(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.management.port=" + managementPort,
                "-Dapicurio.rules.global.compatibility=BACKWARD",
                "-Dapicurio.ccompat.use-canonical-hash=true",
                "-jar", "quarkus-run.jar");
        LOG.info("Starting Apicurio Registry: {}", String.join(" ", command));
        long started = System.nanoTime();
        process = new ProcessBuilder(command)
                .directory(DIST.toFile())
                .redirectErrorStream(true)
                .redirectOutput(LOG_FILE.toFile())
                .start();
        url = "http://127.0.0.1:" + httpPort + "/apis/ccompat/v7";
        awaitReady();
        LOG.info("Apicurio Registry ready at {} after {} ms", url,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @AfterAll
    static void stopApicurio() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    String registryUrl() {
        return url;
    }

    /** Polls the Confluent API until it answers 200, the process dies, or the deadline passes. */
    private static void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url + "/subjects"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            if (process.waitFor(250, TimeUnit.MILLISECONDS)) {
                fail("Apicurio Registry exited with status " + process.exitValue()
                        + " before it was ready; see " + LOG_FILE.toAbsolutePath() + ":\n"
                        + tail());
            }
        }
        fail("Apicurio Registry did not answer " + url + "/subjects within " + STARTUP_TIMEOUT
                + "; see " + LOG_FILE.toAbsolutePath() + ":\n" + tail());
    }

    /** A Java 21+ launcher for Apicurio 3.x. */
    private static String java21() throws IOException {
        String configured = System.getenv("APICURIO_JAVA");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path jvms = Paths.get("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                List<Path> temurins = new ArrayList<>(dirs
                        .filter(dir -> dir.getFileName().toString().startsWith("temurin-2"))
                        .map(dir -> dir.resolve("bin/java"))
                        .filter(Files::isExecutable)
                        .sorted(Comparator.reverseOrder())
                        .toList());
                if (!temurins.isEmpty()) {
                    return temurins.get(0).toString();
                }
            }
        }
        if (Runtime.version().feature() >= 21) {
            return ProcessHandle.current().info().command().orElse("java");
        }
        return fail("Apicurio Registry 3.x needs Java 21 or newer, and none was found: set"
                + " APICURIO_JAVA to a Java 21+ 'java' binary, or install one under /usr/lib/jvm"
                + " (e.g. apt-get install temurin-21-jdk from the Adoptium repository)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail() throws IOException {
        List<String> lines = Files.readAllLines(LOG_FILE);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
