package io.inferflow.operators.inference;

import io.inferflow.model.ModelDescriptor;
import io.inferflow.model.LoadFailure;
import io.inferflow.model.ModelException;

import java.io.Serializable;

/**
 * Gives the inference operator a ready-to-score handle for a model version. Serializable
 * because it travels with the operator; the handles it returns do not, and their caller closes
 * them. {@link #acquire} runs on the operator's background loader thread (and, after a restore,
 * on the task thread), so implementations must be thread-safe.
 *
 * <p>The production implementation is {@link SharedModelProvider}; {@link IdentityModelProvider}
 * runs no model (pass-through benchmark); tests use fakes.
 */
@FunctionalInterface
public interface ModelProvider extends Serializable {

    /**
     * Loads (or shares) the version {@code descriptor} names.
     *
     * @throws ModelException when it cannot be fetched, verified, loaded or warmed up; {@link
     *     ModelException#reason()} says which check failed and the message names the bad value
     */
    ModelHandle acquire(ModelDescriptor descriptor) throws ModelException;

    /**
     * Fetches a file that goes with a model version, such as the reference profile a control
     * record names by {@code profile_uri}, under the provider's fetch policy. Runs on the loader
     * thread. This default fetches nothing.
     *
     * @throws ModelException when the file cannot be fetched; the message names the URI
     */
    default byte[] fetch(String label, String uri) throws ModelException {
        throw new ModelException(
                LoadFailure.UNSUPPORTED_SCHEME,
                label + ": " + getClass().getSimpleName() + " cannot fetch '" + uri + "'");
    }
}
