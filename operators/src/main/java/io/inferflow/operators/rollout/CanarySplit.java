package io.inferflow.operators.rollout;

import java.nio.charset.StandardCharsets;

/**
 * Which entities a canary scores: a deterministic share of them, by a hash of the model, the
 * candidate's version and the entity id. Every subtask, every restart and every JVM puts an
 * entity on the same side, so an entity sees one version for the whole rollout; salting with the
 * candidate's version makes each rollout pick its own entities.
 *
 * <p>The hash is 32-bit FNV-1a over the UTF-8 bytes of {@code model/version/entity}, then a bucket
 * in [0, 10000): shares are honoured to a hundredth of a percent.
 *
 * <pre>{@code
 * boolean candidate = CanarySplit.inCanary("fraud", 7, event.getEntityId(), 20.0);
 * }</pre>
 */
public final class CanarySplit {

    /** Buckets per 100 percent. */
    static final int BUCKETS = 10_000;

    private CanarySplit() {}

    /** Whether the candidate {@code version} of {@code model} scores {@code entityId}. */
    public static boolean inCanary(String model, long version, String entityId, double percent) {
        return bucket(model, version, entityId) < percent * (BUCKETS / 100);
    }

    /** The entity's bucket in [0, {@value #BUCKETS}). */
    static int bucket(String model, long version, String entityId) {
        int hash = 0x811c9dc5;
        hash = fnv(hash, model);
        hash = fnv(hash, "/" + version + "/");
        hash = fnv(hash, entityId == null ? "" : entityId);
        return Integer.remainderUnsigned(hash, BUCKETS);
    }

    private static int fnv(int hash, String text) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }
}
