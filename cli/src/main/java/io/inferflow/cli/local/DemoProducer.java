package io.inferflow.cli.local;

import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;
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
                List<Float> features = new ArrayList<>(model.width());
                for (int i = 0; i < model.width(); i++) {
                    features.add((float) random.nextGaussian());
                }
                String id = run + "-" + seq;
                producer.send(
                        FeatureProducer.event(
                                id,
                                "entity-" + (seq % 1000),
                                model.name(),
                                System.currentTimeMillis(),
                                features));
                if (producer.sendsLabels()) {
                    // A made-up truth: class 1 when the first feature is positive.
                    producer.sendLabel(id, features.get(0) > 0 ? 1.0 : 0.0);
                }
                seq++;
            }
        } catch (Exception e) {
            if (running) {
                LOG.error("demo producer stopped", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
