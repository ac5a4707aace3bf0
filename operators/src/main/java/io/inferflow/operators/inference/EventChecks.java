package io.inferflow.operators.inference;

import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.wire.ErrorTypes;

import java.util.Collection;

/** Checks an event against the model it names before it joins a batch. */
final class EventChecks {

    /** Why an event is not scored: an {@link ErrorTypes} constant and a message. */
    record Rejection(String errorType, String message) {}

    private EventChecks() {}

    static Rejection unknownModel(FeatureEvent event, Collection<String> served) {
        return new Rejection(
                ErrorTypes.UNKNOWN_MODEL,
                "model '" + event.getModel() + "' is not served; served models: " + served);
    }

    static Rejection retired(FeatureEvent event) {
        return new Rejection(
                ErrorTypes.UNKNOWN_MODEL, "model '" + event.getModel() + "' is retired");
    }

    /** The model is known but has no version to serve: {@code why} says what happened. */
    static Rejection notServed(FeatureEvent event, String why) {
        return new Rejection(
                ErrorTypes.UNKNOWN_MODEL,
                "model '" + event.getModel() + "' is not served: " + why);
    }

    /** Returns why the event cannot be scored by {@code model}, or null when it can. */
    static Rejection check(ServedModel model, FeatureEvent event, NonFiniteFeaturePolicy policy) {
        return EventInputs.check(
                model.label, model.scorer.signature(), model.scorer.inputWidth(), event, policy);
    }
}
