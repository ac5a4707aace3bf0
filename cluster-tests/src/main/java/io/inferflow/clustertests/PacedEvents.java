package io.inferflow.clustertests;

import io.inferflow.cli.io.FeatureProducer;
import io.inferflow.cli.io.Pacer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Paced synthetic feature events with ids {@code RUN-0 .. RUN-(n-1)} for the demo model, on a
 * thread of their own; {@link #sent} counts what the broker acknowledged so far.
 */
final class PacedEvents implements Runnable {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private final StreamRig rig;
    /** How many events it sends. */
    final int events;
    private final double rate;
    volatile Exception error;

    PacedEvents(StreamRig rig, int events, double rate) {
        this.rig = rig;
        this.events = events;
        this.rate = rate;
    }

    /** Starts sending on a daemon thread, which it returns. */
    Thread start() {
        Thread thread = new Thread(this, "producer");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void run() {
        Random random = new Random(11);
        try (FeatureProducer producer =
                new FeatureProducer(rig.bootstrap(), rig.registryUrl(), StreamRig.FEATURES)) {
            Pacer pacer = new Pacer(rate);
            for (int i = 0; i < events; i++) {
                pacer.awaitNext();
                List<Float> features = new ArrayList<>(StreamRig.WIDTH);
                for (int f = 0; f < StreamRig.WIDTH; f++) {
                    features.add((float) random.nextGaussian());
                }
                producer.send(
                        FeatureProducer.event(
                                rig.runId + "-" + i, "entity-" + (i % 1000), StreamRig.MODEL,
                                System.currentTimeMillis(), features));
                if (i % 100 == 0) {
                    sent.set(producer.sent());
                }
            }
            producer.flush();
            sent.set(producer.sent());
            failed.set(producer.failed());
            if (producer.failed() > 0) {
                error = producer.lastError();
            }
        } catch (Exception e) {
            error = e;
        }
    }
}
