package io.inferflow.cli;

import io.inferflow.cli.io.CsvFeatures;
import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.model.InputSpec;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
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
                    + " column becomes event_id, an optional 'entity_id' column the key, an"
                    + " optional 'label' column each row's true outcome, written as a Label to"
                    + " --labels-topic after its event; every other column a feature, in order)"
                    + " or synthetic Gaussian rows.",
            "With --inputs-of MODEL.onnx and a model that takes named inputs (several inputs,"
                    + " or int64/string ones), each CSV row becomes an event with named inputs:"
                    + " every input reads the column of its name (NAME[0], NAME[1].. when"
                    + " wider)."
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

    @Option(names = "--inputs-of", paramLabel = "MODEL.onnx",
            description = "With --csv: read the model's inputs and send named inputs when it"
                    + " takes more than one float32 input.")
    Path inputsOf;

    @Option(names = "--labels-topic", defaultValue = "labels", paramLabel = "TOPIC",
            description = "Where the CSV's 'label' column goes (default: ${DEFAULT-VALUE}).")
    String labelsTopic;

    @Option(names = "--count", defaultValue = "1000",
            description = "Synthetic events to send; 0 sends until Ctrl-C (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--rate", defaultValue = "0",
            description = "Events/s; 0 sends as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Override
    public Integer call() throws Exception {
        List<InputSpec> inputs = inputsOf == null ? null : inputsOf(inputsOf);
        if (inputs != null && input.csv == null) {
            throw new IllegalArgumentException("--inputs-of needs --csv");
        }
        boolean named = inputs != null
                && !(inputs.size() == 1 && inputs.get(0).kind() == InputSpec.Kind.FLOAT);
        Iterator<CsvFeatures.Row> events;
        try {
            events = named ? CsvFeatures.readNamedRows(input.csv, model, inputs).iterator()
                    : input.csv != null
                    ? CsvFeatures.readRows(input.csv, model).iterator()
                    : synthetic(input.width);
        } catch (IllegalArgumentException e) {
            if (inputs == null && e.getMessage().endsWith("is not a number")) {
                throw new IllegalArgumentException(e.getMessage() + " (for a model with int64"
                        + " or string inputs, add --inputs-of MODEL.onnx)", e);
            }
            throw e;
        }
        Pacer pacer = new Pacer(rate);
        long n = 0;
        long lastReport = System.nanoTime();
        long labels = 0;
        try (FeatureProducer producer = new FeatureProducer(
                kafka.checkedClients(), kafka.registryClient(), topic)) {
            while (events.hasNext()) {
                pacer.awaitNext();
                CsvFeatures.Row row = events.next();
                producer.send(row.event());
                if (row.label() != null) {
                    if (!producer.sendsLabels()) {
                        producer.labelsTo(labelsTopic);
                    }
                    producer.sendLabel(row.event().getEventId(), row.label());
                    labels++;
                }
                n++;
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    System.err.printf("sent %,d events to '%s'%n", n, topic);
                    lastReport = System.nanoTime();
                }
            }
            producer.flush();
            System.err.printf(
                    "sent %,d events to '%s'%s (%,d records failed), schema id %d%n",
                    n, topic,
                    labels == 0 ? "" : String.format(" and %,d labels to '%s'", labels, labelsTopic),
                    producer.failed(), producer.schemaId());
            if (producer.failed() > 0) {
                System.err.println("error: last failure: " + producer.lastError());
                return 1;
            }
        }
        return 0;
    }

    private static List<InputSpec> inputsOf(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--inputs-of " + file + " does not exist");
        }
        try (OnnxModel m = OnnxModel.load(
                file.getFileName().toString(), Files.readAllBytes(file),
                RuntimeSettings.defaults())) {
            return m.signature().inputs();
        } catch (ModelException e) {
            throw new IllegalArgumentException(
                    "--inputs-of " + file + " is not a servable model: " + e.getMessage(), e);
        }
    }

    private Iterator<CsvFeatures.Row> synthetic(int width) {
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
            public CsvFeatures.Row next() {
                List<Float> features = new ArrayList<>(width);
                for (int f = 0; f < width; f++) {
                    features.add((float) random.nextGaussian());
                }
                long seq = i++;
                return new CsvFeatures.Row(
                        FeatureProducer.event(
                                run + "-" + seq, "entity-" + (seq % 1000), model,
                                System.currentTimeMillis(), features),
                        null);
            }
        };
    }
}
