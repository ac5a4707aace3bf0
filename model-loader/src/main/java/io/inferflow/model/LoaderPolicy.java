package io.inferflow.model;

import java.io.Serializable;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link ModelLoader} accepts: where model files may come from, how large they may be,
 * which keys are trusted to sign them, and how sessions are created. Immutable.
 *
 * <pre>{@code
 * LoaderPolicy policy = LoaderPolicy.builder()
 *         .allowedUriRoots(List.of("file:///models/", "https://models.example.com/store/"))
 *         .trustKey(publicKey)
 *         .build();
 * }</pre>
 *
 * <p>An allowed root is a URI prefix compared after normalization, segment by segment: the root
 * {@code file:///models/} allows {@code /models/a.onnx} and {@code file:///models/a.onnx}, but
 * neither {@code /models/../etc/passwd} nor {@code /models-evil/a.onnx}. No roots allow nothing.
 */
public final class LoaderPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_MAX_BYTES = 512L * 1024 * 1024;
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_FETCH_ATTEMPTS = 3;
    public static final Duration DEFAULT_FETCH_BACKOFF = Duration.ofSeconds(1);

    private final List<String> allowedUriRoots;
    private final long maxBytes;
    private final boolean requireSignatures;
    private final Map<String, String> trustedKeys;
    private final Set<String> revokedKeys;
    private final String trustedKeysFile;
    private final RuntimeSettings runtime;
    private final Duration fetchTimeout;
    private final int fetchAttempts;
    private final Duration fetchBackoff;

    private LoaderPolicy(Builder b) {
        this.allowedUriRoots = List.copyOf(b.allowedUriRoots);
        this.maxBytes = b.maxBytes;
        this.requireSignatures = b.requireSignatures;
        this.trustedKeys = Map.copyOf(b.trustedKeys);
        this.revokedKeys = Set.copyOf(b.revokedKeys);
        this.trustedKeysFile = b.trustedKeysFile;
        this.runtime = b.runtime;
        this.fetchTimeout = b.fetchTimeout;
        this.fetchAttempts = b.fetchAttempts;
        this.fetchBackoff = b.fetchBackoff;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** URI prefixes model files may come from; empty allows nothing. */
    public List<String> allowedUriRoots() {
        return allowedUriRoots;
    }

    /** The largest model file accepted, in bytes; default 512 MiB. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Whether a descriptor without a signature is rejected; default true. */
    public boolean requireSignatures() {
        return requireSignatures;
    }

    /** Key id ({@link Ed25519#keyId}) to base64 X.509 public key. */
    public Map<String, String> trustedKeys() {
        return trustedKeys;
    }

    /** Key ids never trusted, whoever lists them. */
    public Set<String> revokedKeys() {
        return revokedKeys;
    }

    /** A keys file read again whenever it changes ({@link TrustedKeys}), or null. */
    public String trustedKeysFile() {
        return trustedKeysFile;
    }

    /** The trusted keys, revocations and keys file as one {@link TrustedKeys}. */
    public TrustedKeys keys() {
        return new TrustedKeys(trustedKeys, revokedKeys, trustedKeysFile);
    }

    public RuntimeSettings runtime() {
        return runtime;
    }

    /** Connect and request timeout of {@code http(s)} fetches; default 30 s. */
    public Duration fetchTimeout() {
        return fetchTimeout;
    }

    /**
     * How often a fetch that failed because the store could not be reached (or timed out, or
     * answered 5xx or 429) is tried in all; default 3.
     */
    public int fetchAttempts() {
        return fetchAttempts;
    }

    /** The wait before the second attempt, doubled before each later one; default 1 s. */
    public Duration fetchBackoff() {
        return fetchBackoff;
    }

    @Override
    public String toString() {
        return "LoaderPolicy{roots=" + allowedUriRoots + ", maxBytes=" + maxBytes
                + ", requireSignatures=" + requireSignatures + ", trustedKeys="
                + trustedKeys.keySet() + ", revokedKeys=" + revokedKeys + ", trustedKeysFile="
                + trustedKeysFile + ", " + runtime + ", fetchTimeout=" + fetchTimeout + '}';
    }

    /** Builds a {@link LoaderPolicy}; {@link #build()} validates and names the bad value. */
    public static final class Builder {

        private final List<String> allowedUriRoots = new ArrayList<>();
        private long maxBytes = DEFAULT_MAX_BYTES;
        private boolean requireSignatures = true;
        private final Map<String, String> trustedKeys = new LinkedHashMap<>();
        private final Set<String> revokedKeys = new LinkedHashSet<>();
        private String trustedKeysFile;
        private RuntimeSettings runtime = RuntimeSettings.defaults();
        private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
        private int fetchAttempts = DEFAULT_FETCH_ATTEMPTS;
        private Duration fetchBackoff = DEFAULT_FETCH_BACKOFF;

        private Builder() {}

        /** How often a fetch is tried while the store cannot be reached; at least 1. */
        public Builder fetchRetries(int attempts, Duration backoff) {
            this.fetchAttempts = attempts;
            this.fetchBackoff = backoff;
            return this;
        }

        /** Replaces the allowed roots. */
        public Builder allowedUriRoots(List<String> roots) {
            allowedUriRoots.clear();
            allowedUriRoots.addAll(roots);
            return this;
        }

        public Builder addAllowedUriRoot(String root) {
            allowedUriRoots.add(root);
            return this;
        }

        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        public Builder requireSignatures(boolean requireSignatures) {
            this.requireSignatures = requireSignatures;
            return this;
        }

        /** Replaces the trusted keys: key id to base64 X.509 public key. */
        public Builder trustedKeys(Map<String, String> keys) {
            trustedKeys.clear();
            trustedKeys.putAll(keys);
            return this;
        }

        /** Trusts {@code key} under its {@link Ed25519#keyId}. */
        public Builder trustKey(PublicKey key) {
            trustedKeys.put(Ed25519.keyId(key), Ed25519.encodePublic(key));
            return this;
        }

        /** Replaces the revoked key ids. */
        public Builder revokedKeys(Set<String> ids) {
            revokedKeys.clear();
            revokedKeys.addAll(ids);
            return this;
        }

        /** A keys file of more keys and revocations, read again when it changes; null for none. */
        public Builder trustedKeysFile(String file) {
            this.trustedKeysFile = file == null || file.isBlank() ? null : file;
            return this;
        }

        public Builder runtime(RuntimeSettings runtime) {
            this.runtime = runtime;
            return this;
        }

        public Builder fetchTimeout(Duration fetchTimeout) {
            this.fetchTimeout = fetchTimeout;
            return this;
        }

        public LoaderPolicy build() {
            for (String root : allowedUriRoots) {
                AllowedRoots.parseRoot(root); // throws naming the bad root
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException(
                        "max bytes must be at least 1, got " + maxBytes);
            }
            for (Map.Entry<String, String> key : trustedKeys.entrySet()) {
                try {
                    Ed25519.decodePublic(key.getValue());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "trusted key '" + key.getKey() + "': " + e.getMessage(), e);
                }
            }
            if (runtime == null) {
                throw new IllegalArgumentException("runtime options must not be null");
            }
            if (fetchAttempts < 1) {
                throw new IllegalArgumentException(
                        "fetch attempts must be at least 1, got " + fetchAttempts);
            }
            if (fetchBackoff == null || fetchBackoff.isNegative()) {
                throw new IllegalArgumentException(
                        "fetch backoff must not be negative, got " + fetchBackoff);
            }
            if (fetchTimeout == null || fetchTimeout.isNegative() || fetchTimeout.isZero()) {
                throw new IllegalArgumentException(
                        "fetch timeout must be positive, got " + fetchTimeout);
            }
            return new LoaderPolicy(this);
        }
    }
}
