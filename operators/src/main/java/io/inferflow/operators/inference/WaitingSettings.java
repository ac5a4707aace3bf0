package io.inferflow.operators.inference;

import java.io.Serializable;
import java.time.Duration;

/**
 * How long and how many events the inference operator holds instead of dead-lettering them for
 * reasons of timing: events of a model whose first version is loading, and events of a model no
 * control record has named yet, for {@code unknownModelGrace} after that model's first event on
 * the subtask. At most {@code maxEvents} wait per subtask; at the bound the operator stops taking
 * events (backpressure) until loads finish or a grace ends.
 *
 * @param unknownModelGrace {@code inference.unknown-model.grace}
 * @param maxEvents {@code inference.waiting.max-events}
 */
public record WaitingSettings(Duration unknownModelGrace, int maxEvents) implements Serializable {

    /** The defaults of the options. */
    public static final WaitingSettings DEFAULTS = new WaitingSettings(Duration.ofSeconds(60), 20_000);

    public WaitingSettings {
        if (unknownModelGrace == null || unknownModelGrace.isNegative()) {
            throw new IllegalArgumentException(
                    "inference.unknown-model.grace must be >= 0, got " + unknownModelGrace);
        }
        if (maxEvents < 1) {
            throw new IllegalArgumentException(
                    "inference.waiting.max-events must be >= 1, got " + maxEvents);
        }
    }
}
