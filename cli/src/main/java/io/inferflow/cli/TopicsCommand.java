package io.inferflow.cli;

import io.inferflow.jobs.InferenceJob;
import io.inferflow.jobs.kafka.JobTopics;
import io.inferflow.jobs.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** {@code pipeline topics}: the topics the jobs use. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manage the topics the jobs read and write.",
        subcommands = {TopicsCommand.Create.class})
final class TopicsCommand {

    /** {@code pipeline topics create}: every topic the jobs use, idempotently. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Creates every topic the two jobs use with the configs they need (model-control"
                        + " compacted, explicit retention for the others). Topics that exist are"
                        + " kept and checked; run it again at any time. Exits 1 when an existing"
                        + " topic is configured in a way the jobs cannot work with."
            })
    static final class Create implements java.util.concurrent.Callable<Integer> {

        @Mixin
        KafkaConnection kafka;

        @Option(names = "--partitions", defaultValue = "6",
                description = "Partitions of the data topics (features, predictions,"
                        + " predictions-shadow, dead-letters, labels, drift-counts);"
                        + " model-control, model-status, model-rollouts and drift get 1"
                        + " (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "-1",
                description = "Replicas per partition; -1 takes the cluster's"
                        + " default.replication.factor (default: ${DEFAULT-VALUE}).")
        short replicationFactor;

        @Option(names = "--config", paramLabel = "FILE",
                description = "The job's configuration (YAML), for its topics.* names.")
        Path jobConfig;

        @Option(names = "-D", paramLabel = "KEY=VALUE",
                description = "A job option, e.g. -Dtopics.features=scoring-input.")
        Map<String, String> overrides = new HashMap<>();

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            KafkaClients clients = kafka.checkedClients();
            List<JobTopics.Spec> specs =
                    JobTopics.of(InferenceJob.loadConfiguration(jobConfig, overrides), partitions);
            List<String> problems = new ArrayList<>();
            try (Admin admin = Admin.create(clients.with(Map.of()))) {
                Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                for (JobTopics.Spec spec : specs) {
                    if (existing.contains(spec.name())) {
                        problems.addAll(check(admin, spec, out));
                        continue;
                    }
                    NewTopic topic = new NewTopic(spec.name(), Optional.of(spec.partitions()),
                            replicationFactor < 0 ? Optional.empty()
                                    : Optional.of(replicationFactor))
                            .configs(spec.configs());
                    try {
                        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                        out.printf("created  %-16s %d partition(s) %s  (%s)%n", spec.name(),
                                spec.partitions(), spec.configs(), spec.purpose());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("creating topic '" + spec.name()
                                    + "' at " + clients.bootstrapServers() + " failed: "
                                    + e.getCause().getMessage(), e.getCause());
                        }
                        problems.addAll(check(admin, spec, out));
                    }
                }
                awaitLeaders(admin, specs);
            }
            for (String problem : problems) {
                System.err.println("error: " + problem);
            }
            return problems.isEmpty() ? 0 : 1;
        }

        /** Prints an existing topic; returns what makes it unusable for the jobs. */
        private static List<String> check(Admin admin, JobTopics.Spec spec, PrintStream out)
                throws Exception {
            TopicDescription description = admin.describeTopics(List.of(spec.name()))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get(spec.name());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
            Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(30, TimeUnit.SECONDS).get(resource);
            List<String> problems = new ArrayList<>();
            String wanted = spec.configs().get("cleanup.policy");
            ConfigEntry policy = config.get("cleanup.policy");
            String actual = policy == null ? "delete" : policy.value();
            if (wanted != null && !actual.contains(wanted)) {
                problems.add("topic '" + spec.name() + "' exists with cleanup.policy=" + actual
                        + " but must be " + wanted + " (" + spec.purpose() + "); fix it with"
                        + " kafka-configs --alter --entity-type topics --entity-name "
                        + spec.name() + " --add-config cleanup.policy=" + wanted);
            }
            out.printf("exists   %-16s %d partition(s) cleanup.policy=%s%s%n", spec.name(),
                    description.partitions().size(), actual,
                    problems.isEmpty() ? "" : "  <- wrong");
            return problems;
        }

        /** Waits until every partition has a leader, so that a first produce does not race. */
        private static void awaitLeaders(Admin admin, List<JobTopics.Spec> specs)
                throws Exception {
            List<String> names = specs.stream().map(JobTopics.Spec::name).toList();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    boolean ready = admin.describeTopics(names).allTopicNames()
                            .get(30, TimeUnit.SECONDS).values().stream()
                            .flatMap(d -> d.partitions().stream())
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                    if (ready) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // metadata of a topic just created has not reached every broker yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("partitions of " + names
                            + " have no leader after 30 s");
                }
                Thread.sleep(200);
            }
        }
    }
}
