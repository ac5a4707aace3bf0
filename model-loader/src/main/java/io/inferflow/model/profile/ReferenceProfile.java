package io.inferflow.model.profile;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What a model's inputs and scores looked like on reference data: a {@link FeatureProfile} per
 * feature (in input order) and per profiled output value, the row count, when it was made and the
 * sha256 of the model that scored the rows. Drift detection compares live windows against it.
 *
 * <p>Immutable. Serialised as JSON with a {@code format_version} (currently 1) so that readers
 * can refuse formats they do not know:
 *
 * <pre>{@code
 * String json = profile.toJson();
 * ReferenceProfile again = ReferenceProfile.fromJson(json);
 * }</pre>
 */
@JsonAutoDetect(
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        fieldVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({
    "format_version", "created_at", "model_sha256", "row_count", "features", "scores"
})
public final class ReferenceProfile {

    /** The JSON format this class writes and the only one it reads. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final Instant createdAt;
    private final String modelSha256;
    private final long rowCount;
    private final List<FeatureProfile> features;
    private final List<FeatureProfile> scores;

    private ReferenceProfile(
            Instant createdAt,
            String modelSha256,
            long rowCount,
            List<FeatureProfile> features,
            List<FeatureProfile> scores) {
        this.createdAt = createdAt;
        this.modelSha256 = modelSha256;
        this.rowCount = rowCount;
        this.features = List.copyOf(features);
        this.scores = List.copyOf(scores);
    }

    /**
     * A profile of {@code features} (input order) and {@code scores} (output order) made from
     * {@code rowCount} rows.
     *
     * @param modelSha256 the scoring model's sha256 (64 hex characters), or null when unknown
     */
    public static ReferenceProfile of(
            List<FeatureProfile> features,
            List<FeatureProfile> scores,
            long rowCount,
            Instant createdAt,
            String modelSha256) {
        if (features == null || features.isEmpty()) {
            throw new IllegalArgumentException("a reference profile needs at least one feature");
        }
        if (scores == null) {
            throw new IllegalArgumentException("scores must not be null (use an empty list)");
        }
        if (rowCount <= 0) {
            throw new IllegalArgumentException("row_count must be positive, got " + rowCount);
        }
        if (createdAt == null) {
            throw new IllegalArgumentException("created_at is required");
        }
        if (modelSha256 != null && !modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "model_sha256 must be 64 lowercase hex characters, got '" + modelSha256 + "'");
        }
        return new ReferenceProfile(createdAt, modelSha256, rowCount, features, scores);
    }

    @JsonCreator
    static ReferenceProfile fromJsonFields(
            @JsonProperty(value = "format_version", required = true) int formatVersion,
            @JsonProperty(value = "created_at", required = true) String createdAt,
            @JsonProperty("model_sha256") String modelSha256,
            @JsonProperty(value = "row_count", required = true) long rowCount,
            @JsonProperty(value = "features", required = true) List<FeatureProfile> features,
            @JsonProperty(value = "scores", required = true) List<FeatureProfile> scores) {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException(
                    "format_version " + formatVersion + " is not supported; this build reads "
                            + FORMAT_VERSION);
        }
        Instant created;
        try {
            created = Instant.parse(createdAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "created_at '" + createdAt + "' is not an ISO-8601 instant");
        }
        return of(features, scores, rowCount, created, modelSha256);
    }

    /** Parses and checks a profile written by {@link #toJson()}; errors name what is wrong. */
    public static ReferenceProfile fromJson(String json) {
        try {
            return JSON.readValue(json, ReferenceProfile.class);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof IllegalArgumentException
                    ? cause.getMessage()
                    : e.getOriginalMessage();
            throw new IllegalArgumentException("not a valid reference profile: " + why, e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not a valid reference profile: " + e.getOriginalMessage(), e);
        }
    }

    /** Pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checked profile always serialises", e);
        }
    }

    @JsonProperty("format_version")
    public int formatVersion() {
        return FORMAT_VERSION;
    }

    public Instant createdAt() {
        return createdAt;
    }

    @JsonProperty("created_at")
    String createdAtText() {
        return createdAt.toString();
    }

    /** The scoring model's sha256, or null when unknown. */
    @JsonProperty("model_sha256")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String modelSha256() {
        return modelSha256;
    }

    @JsonProperty("row_count")
    public long rowCount() {
        return rowCount;
    }

    /** One profile per model input, in input order. */
    @JsonProperty("features")
    public List<FeatureProfile> features() {
        return features;
    }

    /** One profile per profiled output value, in output order (may be empty). */
    @JsonProperty("scores")
    public List<FeatureProfile> scores() {
        return scores;
    }

    /** Number of features, which must equal the model's input width. */
    public int featureCount() {
        return features.size();
    }

    @Override
    public String toString() {
        return "ReferenceProfile{" + features.size() + " features, " + scores.size()
                + " scores, " + rowCount + " rows, created " + createdAt + '}';
    }
}
