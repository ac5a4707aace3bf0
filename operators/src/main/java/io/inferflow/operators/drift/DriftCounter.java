package io.inferflow.operators.drift;

import io.inferflow.model.Hashes;
import io.inferflow.model.profile.BinCounter;
import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.BinCounts;
import io.inferflow.schemas.avro.DriftCounts;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One inference subtask's bin counts of one model version's inputs and scores against the
 * version's reference profile, since the counts were last {@linkplain #drain drained}. The
 * operator counts every scored batch (the rows exactly as the model saw them) and drains the
 * counts into a {@link DriftCounts} partial for the {@link DriftAggregatorFunction} every flush
 * interval, before each checkpoint barrier and when the version stops serving.
 *
 * <p>Counting is a binary search over each feature's bin edges per value: no allocation per
 * batch. Used on the task thread only.
 */
public final class DriftCounter {

    private final String model;
    private final long version;
    private final ReferenceProfile profile;
    private final String profileJson;
    private final String profileSha256;
    private final BinCounter[] features;
    private final BinCounter[] scores;
    private long events;
    private long firstAt = -1;
    private long lastAt;
    private boolean profileSent;

    /**
     * @throws IllegalArgumentException when the profile does not fit a model of {@code
     *     inputWidth} inputs and {@code outputWidth} outputs; the message says how
     */
    public DriftCounter(
            String model,
            long version,
            ReferenceProfile profile,
            String profileJson,
            int inputWidth,
            int outputWidth) {
        if (profile.featureCount() != inputWidth) {
            throw new IllegalArgumentException(
                    "the profile has " + profile.featureCount() + " features, the model takes "
                            + inputWidth);
        }
        if (profile.scores().size() > outputWidth) {
            throw new IllegalArgumentException(
                    "the profile has " + profile.scores().size() + " scores, the model gives "
                            + outputWidth + " output values per row");
        }
        this.model = model;
        this.version = version;
        this.profile = profile;
        this.profileJson = profileJson;
        this.profileSha256 = Hashes.sha256Hex(profileJson.getBytes(StandardCharsets.UTF_8));
        this.features = counters(profile.features());
        this.scores = counters(profile.scores());
    }

    private static BinCounter[] counters(List<FeatureProfile> profiles) {
        BinCounter[] counters = new BinCounter[profiles.size()];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = profiles.get(i).newCounter();
        }
        return counters;
    }

    /**
     * Counts a scored batch: {@code rows} rows of the input, row-major from position 0 of {@code
     * input} (read by absolute index, the buffer is not moved), and their scores, row-major with
     * {@code outputWidth} values per row.
     */
    public void count(FloatBuffer input, int rows, float[] output, int outputWidth, long now) {
        int width = features.length;
        for (int f = 0; f < width; f++) {
            BinCounter counter = features[f];
            for (int r = 0, i = f; r < rows; r++, i += width) {
                counter.add(input.get(i));
            }
        }
        for (int s = 0; s < scores.length; s++) {
            BinCounter counter = scores[s];
            for (int r = 0, i = s; r < rows; r++, i += outputWidth) {
                counter.add(output[i]);
            }
        }
        if (events == 0) {
            firstAt = now;
        }
        events += rows;
        lastAt = now;
    }

    /** Events counted since the last drain. */
    public long events() {
        return events;
    }

    public ReferenceProfile profile() {
        return profile;
    }

    public String profileSha256() {
        return profileSha256;
    }

    /**
     * The counts since the last drain as a partial from {@code subtask}, then zero; null if none.
     * The first partial carries the profile's JSON, later ones only its sha256.
     */
    public DriftCounts drain(int subtask) {
        if (events == 0) {
            return null;
        }
        DriftCounts partial =
                DriftCounts.newBuilder()
                        .setModel(model)
                        .setModelVersion(version)
                        .setProfileSha256(profileSha256)
                        // Profiles of wide models run to 100 KB: sent once per counter.
                        .setProfile(profileSent ? null : profileJson)
                        .setSubtasks(new ArrayList<>(List.of(subtask)))
                        .setEvents(events)
                        .setFirstAt(firstAt)
                        .setLastAt(lastAt)
                        .setFeatures(binCounts(features))
                        .setScores(binCounts(scores))
                        .build();
        events = 0;
        firstAt = -1;
        profileSent = true;
        return partial;
    }

    private static List<BinCounts> binCounts(BinCounter[] counters) {
        List<BinCounts> list = new ArrayList<>(counters.length);
        for (BinCounter counter : counters) {
            long[] counts = counter.counts();
            List<Long> boxed = new ArrayList<>(counts.length);
            for (long c : counts) {
                boxed.add(c);
            }
            list.add(new BinCounts(boxed, counter.nanCount()));
            counter.reset();
        }
        return list;
    }
}
