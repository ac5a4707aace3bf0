package io.inferflow.operators.drift;

import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.DriftCounts;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * Reference profiles and drift counts of standard normal features for the drift tests, from
 * seeded random numbers (the same sequence on every run of the same tests).
 */
final class DriftSamples {

    private static final Random RANDOM = new Random(7);

    private DriftSamples() {}

    static ReferenceProfile normalProfile(int features, int rows) {
        Random random = new Random(rows);
        List<FeatureProfile> profiles = new java.util.ArrayList<>();
        for (int f = 0; f < features; f++) {
            float[] values = new float[rows];
            for (int i = 0; i < rows; i++) {
                values[i] = (float) random.nextGaussian();
            }
            profiles.add(FeatureProfile.of("f" + f, values, 10));
        }
        float[] scores = new float[rows];
        for (int i = 0; i < rows; i++) {
            scores[i] = (float) random.nextGaussian();
        }
        return ReferenceProfile.of(
                profiles, List.of(FeatureProfile.of("score", scores, 10)), rows,
                Instant.parse("2026-11-01T00:00:00Z"), null);
    }

    /** Counts {@code rows} normal rows; {@code shifted} (or every feature for -1) + shift. */
    static DriftCounts counts(
            ReferenceProfile profile, int subtask, int rows, int shifted, double shift) {
        int width = profile.featureCount();
        DriftCounter counter = new DriftCounter("m", 3L, profile, profile.toJson(), width, 1);
        FloatBuffer input =
                ByteBuffer.allocateDirect(rows * width * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        float[] scores = new float[rows];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < width; f++) {
                double v = RANDOM.nextGaussian();
                if (shifted == -1 || shifted == f) {
                    v += shift;
                }
                input.put(r * width + f, (float) v);
            }
            scores[r] = (float) RANDOM.nextGaussian();
        }
        counter.count(input, rows, scores, 1, 1_000L + subtask);
        return counter.drain(subtask);
    }

    static void countNormalRows(DriftCounter counter, int width, int rows) {
        FloatBuffer input =
                ByteBuffer.allocateDirect(rows * width * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        float[] scores = new float[rows];
        for (int i = 0; i < rows * width; i++) {
            input.put(i, (float) RANDOM.nextGaussian());
        }
        counter.count(input, rows, scores, 1, 1_000L);
    }
}
