package io.inferflow.cli.local;

import io.inferflow.cli.io.AvroJson;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reads the output topics as a downstream consumer would ({@code read_committed}) and prints a
 * status line every few seconds: events in, predictions out, dead letters, rate and end-to-end
 * latency (time a prediction became readable minus its event time).
 */
final class StatusReporter implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusReporter.class);

    private final KafkaClients kafka;
    private final String featuresTopic;
    private final String predictionsTopic;
    private final String deadLettersTopic;
    private final String statusTopic;
    private final String driftTopic;
    private final String rolloutsTopic;
    private final AvroJson avro;
    private final Duration every;
    private final FlinkJobsProbe jobs;
    /** Job name to the name the line uses. */
    private final Map<String, String> jobNames;
    private final PrintStream out;
    private final String models;
    private final long startMillis = System.currentTimeMillis();
    private volatile boolean running = true;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile long predictions;
    private volatile long deadLetters;
    private final Map<String, Long> deadLetterTypes = new TreeMap<>();
    /**
     * model -> subtask -> "ACTIVE v2" as last reported on the status topic; a rollout's candidate
     * is a model of its own, "demo canary".
     */
    private final Map<String, Map<Integer, String>> subtasks = new TreeMap<>();
    /** model -> "v1 max PSI 0.03" from its latest drift report. */
    private final Map<String, String> drift = new TreeMap<>();
    /** model -> "canary v2 20%: 1,234 ev, 0.0% failed, PSI 0.012" from its latest report. */
    private final Map<String, String> rollouts = new TreeMap<>();

    StatusReporter(
            KafkaClients kafka,
            SchemaRegistryClient registry,
            String featuresTopic,
            String predictionsTopic,
            String deadLettersTopic,
            String statusTopic,
            String driftTopic,
            String rolloutsTopic,
            String models,
            Duration every,
            FlinkJobsProbe jobs,
            Map<String, String> jobNames,
            PrintStream out) {
        this.jobs = jobs;
        this.jobNames = Map.copyOf(jobNames);
        this.kafka = kafka;
        this.featuresTopic = featuresTopic;
        this.predictionsTopic = predictionsTopic;
        this.deadLettersTopic = deadLettersTopic;
        this.statusTopic = statusTopic;
        this.driftTopic = driftTopic;
        this.rolloutsTopic = rolloutsTopic;
        this.avro = new AvroJson(registry);
        this.models = models;
        this.every = every;
        this.out = out;
    }

    long predictions() {
        return predictions;
    }

    long deadLetters() {
        return deadLetters;
    }

    @Override
    public void run() {
        Map<String, Object> props =
                kafka.with(Map.of(
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.GROUP_ID_CONFIG, "inferflow-local-status"));
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(
                                props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                Admin admin = Admin.create(kafka.with(Map.of()))) {
            consumer.subscribe(
                    List.of(predictionsTopic, deadLettersTopic, statusTopic, driftTopic,
                            rolloutsTopic));
            List<Long> latencies = new ArrayList<>();
            long lastPrint = System.nanoTime();
            long lastPredictions = 0;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.currentTimeMillis();
                    if (r.topic().equals(predictionsTopic)) {
                        predictions++;
                        account(r.value(), now, latencies);
                    } else if (r.topic().equals(statusTopic)) {
                        track(r.value());
                    } else if (r.topic().equals(driftTopic)) {
                        trackDrift(r.value());
                    } else if (r.topic().equals(rolloutsTopic)) {
                        trackRollout(r.value());
                    } else {
                        deadLetters++;
                        countDeadLetter(r.value());
                    }
                }
                long elapsed = System.nanoTime() - lastPrint;
                if (elapsed >= every.toNanos()) {
                    double rate = (predictions - lastPredictions) * 1e9 / elapsed;
                    out.println(line(eventsIn(admin), rate, latencies));
                    out.flush();
                    latencies.clear();
                    lastPredictions = predictions;
                    lastPrint = System.nanoTime();
                }
            }
        } catch (Exception e) {
            if (running) {
                LOG.error("status reporter stopped", e);
                out.println("status reporter stopped: " + e);
            }
        } finally {
            stopped.countDown();
        }
    }

    private void account(byte[] value, long now, List<Long> latencies) {
        try {
            GenericRecord p = avro.decode(value);
            Object eventTime = p.get("event_time");
            if (eventTime instanceof Long) {
                latencies.add(now - (Long) eventTime);
            } else if (eventTime instanceof Instant) {
                latencies.add(now - ((Instant) eventTime).toEpochMilli());
            }
        } catch (Exception e) {
            LOG.warn("cannot decode a prediction", e);
        }
    }

    private void track(byte[] value) {
        try {
            GenericRecord s = avro.decode(value);
            String state = s.get("state") + " v" + s.get("version");
            Object role = s.getSchema().getField("role") == null ? null : s.get("role");
            String model = s.get("model")
                    + (role == null ? "" : " " + role.toString().toLowerCase(Locale.ROOT));
            synchronized (subtasks) {
                subtasks.computeIfAbsent(model, k -> new TreeMap<>())
                        .put((Integer) s.get("subtask"), state);
            }
        } catch (Exception e) {
            LOG.warn("cannot decode a model status", e);
        }
    }

    /** Keeps the gist of a model's latest drift report: max PSI, and the major features. */
    private void trackDrift(byte[] value) {
        try {
            GenericRecord r = avro.decode(value);
            StringBuilder gist =
                    new StringBuilder(String.format(Locale.ROOT, "v%s max PSI %.3f",
                            r.get("model_version"), (Double) r.get("max_psi")));
            int major = (Integer) r.get("major_features");
            if (major > 0) {
                gist.append(" MAJOR ").append(major).append(" (").append(r.get("max_psi_feature"))
                        .append(')');
            }
            synchronized (drift) {
                drift.put(String.valueOf(r.get("model")), gist.toString());
            }
        } catch (Exception e) {
            LOG.warn("cannot decode a drift report", e);
        }
    }

    /** Keeps the gist of a model's latest rollout report, or how the rollout ended. */
    private void trackRollout(byte[] value) {
        try {
            GenericRecord r = avro.decode(value);
            String mode = String.valueOf(r.get("mode")).toLowerCase(Locale.ROOT);
            StringBuilder gist = new StringBuilder(mode + " v" + r.get("candidate_version"));
            if (mode.equals("canary")) {
                gist.append(String.format(Locale.ROOT, " %.0f%%", (Double) r.get("percent")));
            }
            gist.append(String.format(Locale.ROOT, ": %,d ev, %.1f%% failed",
                    (Long) r.get("candidate_events"),
                    100 * (Double) r.get("candidate_failure_rate")));
            Object psi = r.get("score_psi");
            if (psi != null) {
                gist.append(String.format(Locale.ROOT, ", PSI %.3f", (Double) psi));
            }
            Object agreement = r.get("agreement");
            if (agreement != null) {
                gist.append(String.format(Locale.ROOT, ", agree %.1f%%",
                        100 * (Double) agreement));
            }
            String decision = String.valueOf(r.get("decision"));
            if (!decision.equals("RUNNING")) {
                gist.append(" -> ").append(decision);
                if (r.get("reason") != null) {
                    gist.append(" (").append(r.get("reason")).append(')');
                }
            }
            synchronized (rollouts) {
                rollouts.put(String.valueOf(r.get("model")), gist.toString());
            }
        } catch (Exception e) {
            LOG.warn("cannot decode a rollout report", e);
        }
    }

    /** "demo v2 (2/2 ACTIVE)"; while subtasks disagree, each state with its count. */
    private String served() {
        synchronized (subtasks) {
            if (subtasks.isEmpty()) {
                return models;
            }
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Map<Integer, String>> e : subtasks.entrySet()) {
                Map<String, Long> counts = new TreeMap<>();
                e.getValue().values().forEach(v -> counts.merge(v, 1L, Long::sum));
                parts.add(e.getKey() + " " + counts.entrySet().stream()
                        .map(c -> c.getKey() + " on " + c.getValue() + "/" + e.getValue().size())
                        .collect(Collectors.joining(", ")));
            }
            return String.join("; ", parts);
        }
    }

    private void countDeadLetter(byte[] value) {
        try {
            String type = String.valueOf(avro.decode(value).get("error_type"));
            synchronized (deadLetterTypes) {
                deadLetterTypes.merge(type, 1L, Long::sum);
            }
        } catch (Exception e) {
            LOG.warn("cannot decode a dead letter", e);
        }
    }

    private long eventsIn(Admin admin) {
        try {
            List<TopicPartition> partitions =
                    admin.describeTopics(List.of(featuresTopic)).allTopicNames().get()
                            .get(featuresTopic).partitions().stream()
                            .map(p -> new TopicPartition(featuresTopic, p.partition()))
                            .collect(Collectors.toList());
            return admin.listOffsets(
                            partitions.stream()
                                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get().values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
        } catch (Exception e) {
            return -1;
        }
    }

    private String line(long eventsIn, double rate, List<Long> latencies) {
        long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        String latency =
                sorted.length == 0
                        ? "e2e p50 -, p99 -"
                        : String.format(
                                "e2e p50 %,d ms, p99 %,d ms",
                                percentile(sorted, 0.50), percentile(sorted, 0.99));
        String served = served();
        String reasons;
        synchronized (deadLetterTypes) {
            reasons = deadLetterTypes.isEmpty() ? "" : " " + deadLetterTypes;
        }
        String drifts;
        synchronized (drift) {
            drifts = drift.isEmpty()
                    ? ""
                    : " | drift: " + drift.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining("; "));
        }
        String rollout;
        synchronized (rollouts) {
            rollout = rollouts.isEmpty()
                    ? ""
                    : " | rollout: " + rollouts.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining("; "));
        }
        long secs = (System.currentTimeMillis() - startMillis) / 1000;
        return String.format(
                "[%02d:%02d] events in %,d | predictions %,d | dead letters %,d%s | %,.0f ev/s"
                        + " | %s | models: %s%s%s | jobs: %s",
                secs / 60, secs % 60, eventsIn, predictions, deadLetters, reasons, rate, latency,
                served, rollout, drifts, jobs());
    }

    /** {@code inference RUNNING, evaluation RESTARTING (3 restarts)}, or why it is unknown. */
    private String jobs() {
        try {
            List<String> states = new ArrayList<>();
            for (FlinkJobsProbe.Job job : jobs.jobs()) {
                String name = jobNames.get(job.name());
                if (name != null && !job.state().equals("CANCELED")
                        && !job.state().equals("FINISHED")) {
                    states.add(job.describe(name));
                }
            }
            return states.isEmpty() ? "none running" : String.join(", ", states);
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static long percentile(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** Stops the loop and waits (at most 5 s) until its consumer left the group. */
    @Override
    public void close() {
        running = false;
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
