package io.inferflow.cli;

import picocli.CommandLine.Option;

/** The {@code --bootstrap} and {@code --registry} options of commands that talk to Kafka. */
final class KafkaConnection {

    @Option(names = "--bootstrap", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--registry", defaultValue = "http://localhost:8085",
            description = "Schema Registry URL (default: ${DEFAULT-VALUE}).")
    String registry;
}
