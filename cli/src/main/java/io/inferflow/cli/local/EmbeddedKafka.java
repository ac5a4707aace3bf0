package io.inferflow.cli.local;

import io.inferflow.jobs.kafka.KafkaClients;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller) in this JVM, for local mode
 * and integration tests. Formats a fresh log directory and starts {@link KafkaRaftServer}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(9092)) {
 *     kafka.createTopics(2, "features", "predictions");
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaConfig config;
    private final Path dir;
    private final int port;
    private final KafkaClients clients;
    private KafkaRaftServer server;

    private EmbeddedKafka(
            KafkaConfig config, KafkaRaftServer server, Path dir, int port, KafkaClients clients) {
        this.config = config;
        this.server = server;
        this.dir = dir;
        this.port = port;
        this.clients = clients;
    }

    /**
     * Stops the broker, waits {@code down}, and starts it again on the same ports and log
     * directories, as a broker restart in production does: what was written survives, clients
     * see the broker gone for that long. Returns once it serves again.
     */
    public synchronized void restart(Duration down) throws Exception {
        LOG.info("Embedded Kafka broker at {}: stopping for {} s", bootstrapServers(),
                down.toSeconds());
        server.shutdown();
        server.awaitShutdown();
        Thread.sleep(down.toMillis());
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady(Duration.ofSeconds(60));
        LOG.info("Embedded Kafka broker at {}: serving again", bootstrapServers());
    }

    /**
     * The broker's request threads for a process with {@code cores} cores, which it shares with
     * the job, the producers and the readers: one I/O thread per core (at least 2, Kafka's 8 at
     * most) and one network thread per two cores (Kafka's 3 at most). Kafka's defaults, sized for
     * a broker with a machine of its own, made 11 request threads compete for 2 cores: visible
     * p99 under at-least-once was 47-66 ms with them and 40-42 ms with 2 and 1
     * (docs/concepts/latency.md).
     */
    static Map<String, String> threadProperties(int cores) {
        return Map.of(
                "num.io.threads", Integer.toString(Math.min(8, Math.max(2, cores))),
                "num.network.threads", Integer.toString(Math.min(3, Math.max(1, cores / 2))));
    }

    /** Starts a broker on {@code port} (0 picks a free one) with a fresh temporary log dir. */
    public static EmbeddedKafka start(int port) throws Exception {
        return start(port, null);
    }

    /**
     * Starts a broker whose only client listener is secured by {@code security} (null: one
     * PLAINTEXT listener): SASL_SSL with its SCRAM users created at format time, or TLS with
     * required client certificates. The controller listener stays PLAINTEXT on a free port.
     */
    public static EmbeddedKafka start(int port, LocalSecurity security) throws Exception {
        int brokerPort = port == 0 ? freePort() : checkFree(port, "Kafka", "--kafka-port");
        int controllerPort = freePort();
        Path dir = Files.createTempDirectory("inferflow-kafka-");
        String clusterId = Uuid.randomUuid().toString();
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("listeners",
                "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        if (security != null) {
            props.putAll(security.brokerProperties(brokerPort, controllerPort));
        }
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("log.dirs", dir.resolve("data").toString());
        props.put("metadata.log.dir", dir.resolve("meta").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", "2097152");
        // The cleaner looks for dirty compacted logs every second (Kafka's default is 15 s), so a
        // topic made to compact quickly (a test's control topic) is cleaned within seconds.
        props.put("log.cleaner.backoff.ms", "1000");
        props.put("num.partitions", "2");
        props.put("auto.create.topics.enable", "false");
        props.putAll(threadProperties(Runtime.getRuntime().availableProcessors()));
        KafkaConfig config = new KafkaConfig(props, false);

        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(clusterId)
                .setDirectories(List.of(dir.resolve("data").toString(), dir.resolve("meta").toString()))
                .setMetadataLogDirectory(dir.resolve("meta").toString())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setScramArguments(security == null ? List.of() : security.scramArguments())
                .run();

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + brokerPort;
        KafkaClients clients = security == null
                ? KafkaClients.plain(bootstrap)
                : new KafkaClients(bootstrap, security.kafkaProperties());
        EmbeddedKafka kafka = new EmbeddedKafka(config, server, dir, brokerPort, clients);
        kafka.awaitReady(Duration.ofSeconds(60));
        LOG.info("Embedded Kafka broker ready at {}", kafka.bootstrapServers());
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The bootstrap servers and the client properties that sign in to this broker. */
    public KafkaClients clients() {
        return clients;
    }

    public Admin admin() {
        return Admin.create(clients.with(Map.of()));
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "embedded Kafka did not become ready within " + timeout, e);
                    }
                }
            }
        }
    }

    /**
     * Creates the topics (existing ones are kept) and waits until every partition has a leader,
     * so that the first produce does not race topic creation (KAFKA-15591).
     */
    public void createTopics(int partitions, String... topics) throws Exception {
        createTopics(clients, partitions, Map.of(), topics);
    }

    /** {@link #createTopics(int, String...)} with topic configs. */
    public void createTopics(int partitions, Map<String, String> configs, String... topics)
            throws Exception {
        createTopics(clients, partitions, configs, topics);
    }

    /** {@link #createTopics(int, String...)} against any cluster. */
    public static void createTopics(String bootstrap, int partitions, String... topics)
            throws Exception {
        createTopics(KafkaClients.plain(bootstrap), partitions, Map.of(), topics);
    }

    /** Like {@link #createTopics(String, int, String...)}, with topic configs. */
    public static void createTopics(
            String bootstrap, int partitions, Map<String, String> configs, String... topics)
            throws Exception {
        createTopics(KafkaClients.plain(bootstrap), partitions, configs, topics);
    }

    /** Like {@link #createTopics(String, int, String...)}, with topic configs and credentials. */
    public static void createTopics(
            KafkaClients clients, int partitions, Map<String, String> configs, String... topics)
            throws Exception {
        try (Admin admin = Admin.create(clients.with(Map.of()))) {
            for (String topic : topics) {
                try {
                    admin.createTopics(
                                    List.of(new NewTopic(topic, partitions, (short) 1)
                                            .configs(configs)))
                            .all()
                            .get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!allLeadersElected(admin, topics)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "partitions of " + List.of(topics) + " have no leader after 30 s");
                }
            }
        }
    }

    private static boolean allLeadersElected(Admin admin, String... topics) throws Exception {
        Map<String, TopicDescription> descriptions;
        try {
            descriptions = admin.describeTopics(Set.of(topics)).allTopicNames().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // created, but metadata has not reached the broker yet
            }
            throw e;
        }
        return descriptions.values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    @Override
    public synchronized void close() {
        server.shutdown();
        server.awaitShutdown();
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}", dir, e);
        }
    }

    /** A port that was free a moment ago, on the loopback interface. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Returns {@code port} if nothing listens on it, else fails naming the port and its use. */
    public static int checkFree(int port, String what, String option) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress("0.0.0.0", port));
            return port;
        } catch (IOException e) {
            throw new PortInUseException(port, what, option);
        }
    }
}
