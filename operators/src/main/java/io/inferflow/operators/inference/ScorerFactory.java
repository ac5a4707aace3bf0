package io.inferflow.operators.inference;

import io.inferflow.model.ModelException;
import io.inferflow.model.Scorer;

import java.io.Serializable;

/**
 * Creates the {@link Scorer} for a model version on the task manager. Serializable because it
 * travels with the operator; the scorer it creates does not, and its caller closes it.
 */
@FunctionalInterface
public interface ScorerFactory extends Serializable {

    /** @throws ModelException when the model cannot be read or loaded; the message says why */
    Scorer create(ModelSpec spec) throws ModelException;
}
