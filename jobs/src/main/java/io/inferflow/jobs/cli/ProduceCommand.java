package io.inferflow.jobs.cli;

import io.inferflow.jobs.io.CsvFeatures;
import io.inferflow.jobs.io.FeatureProducer;
import io.inferflow.jobs.io.Pacer;
import io.inferflow.schemas.avro.FeatureEvent;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code pipeline produce}: the reference producer of feature events. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Writes feature events in the Confluent wire format: rows of a CSV file (an 'id'"
                    + " column becomes event_id, an optional 'entity_id' column the key, every"
                    + " other column a feature, in order) or synthetic Gaussian rows."
        })
final class ProduceCommand implements Callable<Integer> {

    @Mixin
    KafkaConnection kafka;

    @Option(names = "--topic", defaultValue = "features", description = "Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(names = "--model", required = true, description = "Model name the events ask for.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--csv", paramLabel = "FILE", description = "Read rows from this CSV file.")
        Path csv;

        @Option(names = "--width", paramLabel = "N", description = "Synthetic rows of N features.")
        Integer width;
    }

    @Option(names = "--count", defaultValue = "1000",
            description = "Synthetic events to send; 0 sends until Ctrl-C (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--rate", defaultValue = "0",
            description = "Events/s; 0 sends as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Override
    public Integer call() throws Exception {
        Iterator<FeatureEvent> events =
                input.csv != null
                        ? CsvFeatures.read(input.csv, model).iterator()
                        : synthetic(input.width);
        Pacer pacer = new Pacer(rate);
        long n = 0;
        long lastReport = System.nanoTime();
        try (FeatureProducer producer = new FeatureProducer(kafka.bootstrap, kafka.registry, topic)) {
            while (events.hasNext()) {
                pacer.awaitNext();
                producer.send(events.next());
                n++;
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    System.err.printf("sent %,d events to '%s'%n", n, topic);
                    lastReport = System.nanoTime();
                }
            }
            producer.flush();
            System.err.printf(
                    "sent %,d events to '%s' (%,d failed), schema id %d%n",
                    producer.sent(), topic, producer.failed(), producer.schemaId());
            if (producer.failed() > 0) {
                System.err.println("error: last failure: " + producer.lastError());
                return 1;
            }
        }
        return 0;
    }

    private Iterator<FeatureEvent> synthetic(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("--width must be >= 1, got " + width);
        }
        Random random = new Random();
        String run = Long.toString(System.currentTimeMillis(), 36);
        return new Iterator<>() {
            long i;

            @Override
            public boolean hasNext() {
                return count == 0 || i < count;
            }

            @Override
            public FeatureEvent next() {
                List<Float> features = new ArrayList<>(width);
                for (int f = 0; f < width; f++) {
                    features.add((float) random.nextGaussian());
                }
                long seq = i++;
                return FeatureProducer.event(
                        run + "-" + seq, "entity-" + (seq % 1000), model,
                        System.currentTimeMillis(), features);
            }
        };
    }
}
