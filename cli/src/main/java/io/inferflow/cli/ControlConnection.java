package io.inferflow.cli;

import io.inferflow.jobs.control.ModelControlClient;
import picocli.CommandLine.Mixin;
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

    ModelControlClient client() {
        return new ModelControlClient(kafka.bootstrap, kafka.registry, controlTopic, statusTopic);
    }
}
