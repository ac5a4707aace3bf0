package io.inferflow.jobs;

import io.inferflow.jobs.kafka.JobTopics;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.schemas.registry.LocalRegistrySecurity;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceJobTest {

    private static final Path EXAMPLE = Path.of("..", "flink-conf", "job.example.yaml");

    @Test
    void readsTheExampleJobConfiguration() throws Exception {
        Configuration conf = InferenceJob.loadConfiguration(EXAMPLE, Map.of());
        assertEquals(DeliveryGuarantee.EXACTLY_ONCE, conf.get(JobOptions.DELIVERY_GUARANTEE));
        assertEquals("model-control", conf.get(JobOptions.MODEL_CONTROL_TOPIC));
        assertEquals(List.of("file:///models/"), conf.get(JobOptions.ALLOWED_URI_ROOTS));
        assertEquals(64, conf.get(InferenceOptions.BATCH_MAX_SIZE));
        assertEquals(Duration.ofMillis(5), conf.get(InferenceOptions.BATCH_MAX_DELAY));
        assertEquals(Duration.ofSeconds(1), conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        InferenceJob.checkExactlyOnceHasCheckpoints(conf);
    }

    @Test
    void theStartUpCheckFailsWhenTheRegistryRefusesTheJobsUserAndNamesIt() throws Exception {
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.start("127.0.0.1", 0,
                LocalRegistrySecurity.none().withUser("inferflow", "right-password"))) {
            Configuration conf = new Configuration();
            conf.set(JobOptions.REGISTRY_URL, registry.url());
            conf.setString("registry.properties.basic.auth.user.info", "inferflow:wrong-one");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InferenceJob.checkRegistry(conf));
            assertTrue(e.getMessage().contains("refused user 'inferflow'"), e.getMessage());
            assertTrue(!e.getMessage().contains("wrong-one"), e.getMessage());

            conf.setString("registry.properties.basic.auth.user.info", "inferflow:right-password");
            InferenceJob.checkRegistry(conf);
        }
    }

    @Test
    void overridesWinOverTheFile() throws Exception {
        Configuration conf =
                InferenceJob.loadConfiguration(
                        EXAMPLE, Map.of("kafka.sink.delivery-guarantee", "at-least-once"));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, conf.get(JobOptions.DELIVERY_GUARANTEE));
    }

    @Test
    void deliveryModeIsTheNameAndTheFormerKeyIsStillRead() throws Exception {
        Configuration conf = InferenceJob.loadConfiguration(
                EXAMPLE, Map.of("delivery.mode", "at-least-once"));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, conf.get(JobOptions.DELIVERY_GUARANTEE));
        KnownOptions.checkKeys(conf);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KnownOptions.checkKeys(InferenceJob.loadConfiguration(
                        EXAMPLE, Map.of("delivery.mod", "at-least-once"))));
        assertTrue(e.getMessage().startsWith(
                "unknown option 'delivery.mod' (did you mean 'delivery.mode'?)"), e.getMessage());
    }

    @Test
    void refusesExactlyOnceWithoutCheckpoints() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> InferenceJob.checkExactlyOnceHasCheckpoints(new Configuration()));
        assertTrue(e.getMessage().contains("execution.checkpointing.interval"), e.getMessage());
    }

    @Test
    void placeholderTrustedKeyIsRejectedNamingTheProblem() throws Exception {
        Configuration conf = InferenceJob.loadConfiguration(EXAMPLE, Map.of());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ModelSetup.policy(conf));
        assertTrue(e.getMessage().contains("REPLACE_WITH_BASE64_PUBLIC_KEY"), e.getMessage());
    }

    @Test
    void theRolloutTopicsAreRequiredAndCreatedWithTheOthers() {
        Configuration conf = new Configuration();
        conf.set(JobOptions.MODEL_ROLLOUTS_TOPIC, "rollouts-x");
        List<String> needed = InferenceJob.topics(conf);
        assertTrue(needed.containsAll(List.of("predictions-shadow", "rollouts-x")), "" + needed);

        Map<String, JobTopics.Spec> specs = JobTopics.of(conf, 3).stream()
                .collect(Collectors.toMap(JobTopics.Spec::name, spec -> spec));
        assertEquals(3, specs.get("predictions-shadow").partitions());
        assertEquals(1, specs.get("rollouts-x").partitions());
        assertEquals(specs.get("predictions").configs(), specs.get("rollouts-x").configs());
        assertTrue(specs.keySet().containsAll(needed), specs.keySet() + " vs " + needed);
    }

    @Test
    void rejectsAMissingConfigFile() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> InferenceJob.loadConfiguration(Path.of("nope.yaml"), Map.of()));
        assertEquals("config file nope.yaml does not exist", e.getMessage());
    }
}
