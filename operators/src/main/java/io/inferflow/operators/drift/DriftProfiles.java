package io.inferflow.operators.drift;

import io.inferflow.model.ModelException;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.ModelControl;

import java.nio.charset.StandardCharsets;

/**
 * Reads the reference profile a control record carries (inline in {@code profile}, or fetched from
 * {@code profile_uri}) into a {@link DriftCounter} for the version it names.
 */
public final class DriftProfiles {

    /** Fetches a profile by URI, under the model fetch policy. */
    @FunctionalInterface
    public interface Fetcher {
        byte[] fetch(String label, String uri) throws ModelException;
    }

    private DriftProfiles() {}

    /** Whether the record names a profile at all. */
    public static boolean hasProfile(ModelControl control) {
        return control.getProfile() != null || control.getProfileUri() != null;
    }

    /**
     * The counter for the profile of {@code control}'s version, which takes {@code inputWidth}
     * features and gives {@code outputWidth} values per row; null when the record names no
     * profile.
     *
     * @throws IllegalArgumentException when the profile cannot be fetched, does not parse or does
     *     not fit the model; the message says which, naming the URI or the mismatch
     */
    public static DriftCounter counter(
            ModelControl control, int inputWidth, int outputWidth, Fetcher fetcher) {
        if (!hasProfile(control)) {
            return null;
        }
        String json = control.getProfile();
        if (json == null) {
            String label =
                    "profile of model '" + control.getName() + "' v" + control.getVersion();
            try {
                json = new String(
                        fetcher.fetch(label, control.getProfileUri()), StandardCharsets.UTF_8);
            } catch (ModelException e) {
                throw new IllegalArgumentException(
                        "cannot fetch " + control.getProfileUri() + ": " + e.reason() + ": "
                                + e.getMessage(),
                        e);
            }
        }
        ReferenceProfile profile = ReferenceProfile.fromJson(json);
        return new DriftCounter(
                control.getName(), control.getVersion(), profile, json, inputWidth, outputWidth);
    }
}
