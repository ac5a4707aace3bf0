package io.inferflow.cli;

import io.inferflow.cli.io.AvroJson;
import io.inferflow.jobs.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code pipeline consume}: prints records of a topic as JSON lines. */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = {
            "Reads a topic (predictions, dead-letters, or any Confluent-framed Avro topic) with"
                    + " isolation.level=read_committed and prints one JSON object per record."
        })
final class ConsumeCommand implements Callable<Integer> {

    @Mixin
    KafkaConnection kafka;

    @Option(names = "--topic", defaultValue = "predictions", description = "Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(names = "--max", defaultValue = "0", description = "Stop after N records; 0 = no limit.")
    long max;

    @Option(names = "--timeout", defaultValue = "10",
            description = "Stop after S seconds without a record; 0 = never (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--from", defaultValue = "earliest",
            description = "earliest or latest (default: ${DEFAULT-VALUE}).")
    String from;

    @Override
    public Integer call() throws Exception {
        if (!from.equals("earliest") && !from.equals("latest")) {
            throw new IllegalArgumentException("--from must be earliest or latest, got " + from);
        }
        AvroJson avro = new AvroJson(kafka.registryClient());
        KafkaClients clients = kafka.checkedClients();
        PrintStream out = System.out;
        long n = 0;
        long undecodable = 0;
        long quietSince = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        clients.with(Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG, "inferflow-consume-" + UUID.randomUUID(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, from,
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (max == 0 || n < max) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (timeoutSeconds > 0
                            && System.nanoTime() - quietSince > timeoutSeconds * 1_000_000_000L) {
                        break;
                    }
                    continue;
                }
                quietSince = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (max != 0 && n >= max) {
                        break;
                    }
                    try {
                        out.println(avro.toJson(r.value()));
                    } catch (Exception e) {
                        undecodable++;
                        System.err.printf(
                                "%s-%d@%d: cannot decode: %s%n",
                                r.topic(), r.partition(), r.offset(), e.getMessage());
                    }
                    n++;
                }
            }
        }
        out.flush();
        System.err.printf("read %,d records from '%s' (%,d undecodable)%n", n, topic, undecodable);
        return undecodable > 0 ? 1 : 0;
    }
}
