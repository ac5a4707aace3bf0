package io.inferflow.cli.local;

import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.model.InputSpec;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Local mode's producer: synthetic events for each served model, round robin, at a rate. */
final class DemoProducer implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoProducer.class);

    private final FeatureProducer producer;
    private final List<LocalModel> models;
    private final double rate;
    private final Random random = new Random(7);
    private volatile boolean running = true;

    DemoProducer(FeatureProducer producer, List<LocalModel> models, double rate) {
        this.producer = producer;
        this.models = models;
        this.rate = rate;
    }

    @Override
    public void run() {
        Pacer pacer = new Pacer(rate);
        long seq = 0;
        String run = Long.toString(System.currentTimeMillis(), 36);
        try {
            while (running) {
                pacer.awaitNext();
                LocalModel model = models.get((int) (seq % models.size()));
                String id = run + "-" + seq;
                FeatureEvent event = FeatureProducer.event(
                        id, "entity-" + (seq % 1000), model.name(), System.currentTimeMillis(),
                        List.of());
                float first;
                if (model.flat()) {
                    List<Float> features = new ArrayList<>(model.width());
                    for (int i = 0; i < model.width(); i++) {
                        features.add((float) random.nextGaussian());
                    }
                    event.setFeatures(features);
                    first = features.get(0);
                } else {
                    event.setInputs(namedInputs(model.inputs()));
                    first = firstNumber(event.getInputs());
                }
                producer.send(event);
                if (producer.sendsLabels()) {
                    // A made-up truth: class 1 when the first number is positive.
                    producer.sendLabel(id, first > 0 ? 1.0 : 0.0);
                }
                seq++;
            }
        } catch (Exception e) {
            if (running) {
                LOG.error("demo producer stopped", e);
            }
        }
    }

    /**
     * Random values for each input: gaussian floats, int64 codes 0 to 4, strings {@code c0} to
     * {@code c4} (the categories of local mode's example pipeline).
     */
    private List<NamedInput> namedInputs(List<InputSpec> inputs) {
        List<NamedInput> named = new ArrayList<>(inputs.size());
        for (InputSpec spec : inputs) {
            NamedInput.Builder input = NamedInput.newBuilder().setName(spec.name());
            List<Float> floats = new ArrayList<>();
            List<Long> longs = new ArrayList<>();
            List<String> strings = new ArrayList<>();
            for (int i = 0; i < spec.width(); i++) {
                switch (spec.kind()) {
                    case FLOAT -> floats.add((float) random.nextGaussian());
                    case INT64 -> longs.add((long) random.nextInt(5));
                    case STRING -> strings.add("c" + random.nextInt(5));
                }
            }
            named.add(input.setFloats(floats).setLongs(longs).setStrings(strings).build());
        }
        return named;
    }

    private static float firstNumber(List<NamedInput> inputs) {
        for (NamedInput input : inputs) {
            if (!input.getFloats().isEmpty()) {
                return input.getFloats().get(0);
            }
            if (!input.getLongs().isEmpty()) {
                return input.getLongs().get(0) - 2;
            }
        }
        return 0;
    }

    @Override
    public void close() {
        running = false;
    }
}
