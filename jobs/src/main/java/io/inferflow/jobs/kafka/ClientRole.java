package io.inferflow.jobs.kafka;

/**
 * What a Kafka client of the jobs does, and so which {@code kafka.<role>.properties.*} apply to it
 * on top of {@code kafka.properties.*}.
 */
public enum ClientRole {
    /** The features and labels sources, and the evaluation job's predictions and drift-counts sources. */
    SOURCE("kafka.source.properties."),
    /** Every sink: predictions, dead letters, drift counts, model status, drift reports. */
    SINK("kafka.sink.properties."),
    /** The control-topic reader of the job, the bootstrap reader and the CLI's control client. */
    CONTROL("kafka.control.properties.");

    private final String prefix;

    ClientRole(String prefix) {
        this.prefix = prefix;
    }

    /** The key prefix of this role's properties, e.g. {@code kafka.sink.properties.}. */
    public String prefix() {
        return prefix;
    }
}
