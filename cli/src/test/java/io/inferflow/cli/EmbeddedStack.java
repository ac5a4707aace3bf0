package io.inferflow.cli;

import io.inferflow.cli.local.EmbeddedKafka;
import io.inferflow.schemas.registry.LocalSchemaRegistry;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded Kafka broker (KRaft, free port) and the in-process Schema Registry for the tests of
 * one class, started before its {@code @BeforeAll} methods and stopped after its {@code
 * @AfterAll} methods.
 *
 * <pre>{@code
 * @RegisterExtension static final EmbeddedStack STACK = new EmbeddedStack();
 * ... STACK.kafka().bootstrapServers(), STACK.registryUrl() ...
 * }</pre>
 */
public final class EmbeddedStack implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafka kafka;
    private LocalSchemaRegistry registry;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        kafka = EmbeddedKafka.start(0);
        registry = LocalSchemaRegistry.start("127.0.0.1", 0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A MiniCluster of one TaskManager with {@code slots} slots, for the same tests. */
    public static MiniClusterExtension flink(int slots) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public String registryUrl() {
        return registry.url();
    }
}
