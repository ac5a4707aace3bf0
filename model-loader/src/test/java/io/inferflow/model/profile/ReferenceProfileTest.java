package io.inferflow.model.profile;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceProfileTest {

    private static final String SHA = "ab".repeat(32);

    private static ReferenceProfile sample(String sha) {
        FeatureProfile amount =
                new FeatureProfile(
                        "amount", new double[] {-0.5, 0.25}, new double[] {0.3, 0.3, 0.4},
                        0.05, 0.125, 1.5);
        FeatureProfile age =
                new FeatureProfile("age", new double[0], new double[] {1.0}, 0, 40, 0);
        FeatureProfile score =
                new FeatureProfile(
                        "score", new double[] {0.5}, new double[] {0.9, 0.1}, 0, 0.2, 0.1);
        return ReferenceProfile.of(
                List.of(amount, age), List.of(score), 1234,
                Instant.parse("2025-01-02T03:04:05.678Z"), sha);
    }

    @Test
    void roundTripsThroughJson() {
        ReferenceProfile profile = sample(SHA);
        String json = profile.toJson();
        assertTrue(json.contains("\"format_version\" : 1"), json);
        ReferenceProfile back = ReferenceProfile.fromJson(json);
        assertEquals(json, back.toJson());
        assertEquals(2, back.featureCount());
        assertEquals(1234, back.rowCount());
        assertEquals(Instant.parse("2025-01-02T03:04:05.678Z"), back.createdAt());
        assertEquals(SHA, back.modelSha256());
        FeatureProfile amount = back.features().get(0);
        assertEquals("amount", amount.name());
        assertArrayEquals(new double[] {-0.5, 0.25}, amount.edges(), 0);
        assertArrayEquals(new double[] {0.3, 0.3, 0.4}, amount.proportions(), 0);
        assertEquals(0.05, amount.nanRate(), 0);
        assertEquals(0.125, amount.mean(), 0);
        assertEquals(1.5, amount.std(), 0);
        assertEquals("score", back.scores().get(0).name());
    }

    @Test
    void leavesOutAnUnknownModelHash() {
        String json = sample(null).toJson();
        assertTrue(!json.contains("model_sha256"), json);
        assertNull(ReferenceProfile.fromJson(json).modelSha256());
    }

    @Test
    void refusesAnUnknownFormatVersion() {
        String json =
                sample(SHA).toJson()
                        .replace("\"format_version\" : 1", "\"format_version\" : 2");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ReferenceProfile.fromJson(json));
        assertEquals(
                "not a valid reference profile: format_version 2 is not supported; this build"
                        + " reads 1",
                e.getMessage());
    }

    @Test
    void namesTheBadValueOfAnInvalidFeature() {
        String json = sample(SHA).toJson().replace("0.4 ]", "0.5 ]");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ReferenceProfile.fromJson(json));
        assertTrue(
                e.getMessage().contains("feature 'amount': proportions must sum to 1, got 1.1"),
                e.getMessage());
    }

    @Test
    void namesAMissingField() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ReferenceProfile.fromJson("{\"format_version\": 1}"));
        assertTrue(e.getMessage().contains("created_at"), e.getMessage());
    }

    @Test
    void rejectsTextThatIsNotJson() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ReferenceProfile.fromJson("a,b\n1,2"));
        assertTrue(e.getMessage().startsWith("not a valid reference profile: "), e.getMessage());
    }
}
