package io.inferflow.operators.drift;

import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.schemas.avro.DriftCounts;
import org.apache.flink.api.common.state.MapState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference profiles that the counters of the current model version (the drift aggregator's
 * key) sent: their JSON in keyed state by sha256, each counter sending it with its first partial
 * only, and the parsed profiles cached per subtask. Used by {@link DriftAggregatorFunction}
 * within its current key.
 */
final class ReceivedProfiles {

    // The aggregator's logger, so that its log lines keep their category after the split.
    private static final Logger LOG = LoggerFactory.getLogger(DriftAggregatorFunction.class);

    /** Profiles kept per model version (a version rarely changes its profile). */
    static final int KEPT = 4;

    private final MapState<String, String> json;
    private final Map<String, ReferenceProfile> parsed = boundedCache(16);

    /** @param json keyed state: profile JSON by sha256 */
    ReceivedProfiles(MapState<String, String> json) {
        this.json = json;
    }

    /**
     * Keeps the profile JSON that {@code partial} carries, if any, for this model version (at
     * most {@value #KEPT}: an old one is dropped, never the one of the {@code open} window).
     */
    void remember(DriftCounts partial, DriftCounts open) throws Exception {
        if (partial.getProfile() == null || json.contains(partial.getProfileSha256())) {
            return;
        }
        List<String> known = new ArrayList<>();
        json.keys().forEach(known::add);
        for (String sha : known) {
            if (known.size() >= KEPT && (open == null || !sha.equals(open.getProfileSha256()))) {
                json.remove(sha);
                known.remove(sha);
                break;
            }
        }
        json.put(partial.getProfileSha256(), partial.getProfile());
    }

    /** The parsed profile of the counts, or null (logged) if it is unknown or does not parse. */
    ReferenceProfile of(DriftCounts counts) throws Exception {
        ReferenceProfile cached = parsed.get(counts.getProfileSha256());
        if (cached != null) {
            return cached;
        }
        String text = json.get(counts.getProfileSha256());
        if (text == null) {
            LOG.warn("model '{}' v{}: dropping a drift window of {} events: its profile {} was"
                            + " never received", counts.getModel(), counts.getModelVersion(),
                    counts.getEvents(), counts.getProfileSha256());
            return null;
        }
        try {
            ReferenceProfile profile = ReferenceProfile.fromJson(text);
            parsed.put(counts.getProfileSha256(), profile);
            return profile;
        } catch (IllegalArgumentException e) {
            // The inference operator parsed it before counting, so this is not expected.
            LOG.warn("model '{}' v{}: dropping a drift window of {} events: {}",
                    counts.getModel(), counts.getModelVersion(), counts.getEvents(),
                    e.getMessage());
            return null;
        }
    }

    private static <V> Map<String, V> boundedCache(int size) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > size;
            }
        };
    }
}
