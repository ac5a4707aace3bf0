package io.inferflow.cli;

import io.inferflow.jobs.control.ModelControlClient;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import picocli.CommandLine.Option;

/** Options of the commands that talk to the control plane. */
final class ControlConnection {

    @Mixin
    KafkaConnection kafka;

    @Option(names = "--control-topic", defaultValue = "model-control",
            description = "Default: ${DEFAULT-VALUE}.")
    String controlTopic;

    @Option(names = "--status-topic", defaultValue = "model-status",
            description = "Default: ${DEFAULT-VALUE}.")
    String statusTopic;

    /** A control client, after checking that Kafka answers and accepts the credentials. */
    ModelControlClient client() throws IOException {
        return new ModelControlClient(
                kafka.checkedClients(), kafka.registrySettings(), controlTopic, statusTopic);
    }
}
