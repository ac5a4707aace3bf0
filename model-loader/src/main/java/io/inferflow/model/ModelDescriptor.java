package io.inferflow.model;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the control topic says about one model version: where its file is, the file's sha256,
 * who signed it, and what input it must take. Immutable; build it with {@link #builder()}:
 *
 * <pre>{@code
 * ModelDescriptor d = ModelDescriptor.builder()
 *         .name("fraud").version(3).uri("file:///models/fraud-3.onnx")
 *         .sha256(Hashes.sha256Hex(bytes))
 *         .inputName("features").inputWidth(16)
 *         .build();
 * }</pre>
 *
 * <p>The signature covers {@link #signedPayload()}: name, version and sha256, so a signed
 * descriptor cannot be replayed for another model, another version or other bytes.
 */
public final class ModelDescriptor implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final String name;
    private final long version;
    private final String uri;
    private final String sha256;
    private final String signature;
    private final String keyId;
    private final String inputName;
    private final int inputWidth;
    private final Precision precision;

    private ModelDescriptor(Builder b) {
        this.name = b.name;
        this.version = b.version;
        this.uri = b.uri;
        this.sha256 = b.sha256;
        this.signature = b.signature;
        this.keyId = b.keyId;
        this.inputName = b.inputName;
        this.inputWidth = b.inputWidth;
        this.precision = b.precision;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this descriptor's values, e.g. to add a signature. */
    public Builder toBuilder() {
        return new Builder()
                .name(name)
                .version(version)
                .uri(uri)
                .sha256(sha256)
                .signature(signature)
                .keyId(keyId)
                .inputName(inputName)
                .inputWidth(inputWidth)
                .precision(precision);
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    /** A path, a {@code file://} or {@code http(s)://} URI, or one a {@link ModelSource} opens. */
    public String uri() {
        return uri;
    }

    /** The model file's SHA-256, 64 lowercase hex characters. */
    public String sha256() {
        return sha256;
    }

    /** Base64 Ed25519 signature of {@link #signedPayload()}, or null. */
    public String signature() {
        return signature;
    }

    /** {@link Ed25519#keyId} of the signing key, or null. */
    public String keyId() {
        return keyId;
    }

    /** The model's expected input name, or null when not checked. */
    public String inputName() {
        return inputName;
    }

    /** The model's expected input width, or 0 when not checked. */
    public int inputWidth() {
        return inputWidth;
    }

    public Precision precision() {
        return precision;
    }

    /** What is signed: the UTF-8 bytes of {@code name + "\n" + version + "\n" + sha256}. */
    public byte[] signedPayload() {
        return (name + "\n" + version + "\n" + sha256).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelDescriptor)) {
            return false;
        }
        ModelDescriptor that = (ModelDescriptor) o;
        return version == that.version
                && inputWidth == that.inputWidth
                && name.equals(that.name)
                && uri.equals(that.uri)
                && sha256.equals(that.sha256)
                && Objects.equals(signature, that.signature)
                && Objects.equals(keyId, that.keyId)
                && Objects.equals(inputName, that.inputName)
                && precision == that.precision;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                name, version, uri, sha256, signature, keyId, inputName, inputWidth, precision);
    }

    /** {@code 'fraud' v3}, the form error messages and logs use. */
    @Override
    public String toString() {
        return "'" + name + "' v" + version;
    }

    /** Builds a {@link ModelDescriptor}; {@link #build()} validates and names the bad value. */
    public static final class Builder {

        private String name;
        private long version;
        private String uri;
        private String sha256;
        private String signature;
        private String keyId;
        private String inputName;
        private int inputWidth;
        private Precision precision = Precision.FP32;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public Builder uri(String uri) {
            this.uri = uri;
            return this;
        }

        /** 64 hex characters, either case; stored in lowercase. */
        public Builder sha256(String sha256) {
            this.sha256 = sha256;
            return this;
        }

        public Builder signature(String signature) {
            this.signature = signature;
            return this;
        }

        public Builder keyId(String keyId) {
            this.keyId = keyId;
            return this;
        }

        public Builder inputName(String inputName) {
            this.inputName = inputName;
            return this;
        }

        public Builder inputWidth(int inputWidth) {
            this.inputWidth = inputWidth;
            return this;
        }

        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        public ModelDescriptor build() {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "model name must match [A-Za-z0-9][A-Za-z0-9._-]*, got "
                                + quoted(name));
            }
            if (version < 1) {
                throw new IllegalArgumentException(
                        "model '" + name + "': version must be at least 1, got " + version);
            }
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException(
                        "model '" + name + "' v" + version + ": a URI is required, got "
                                + quoted(uri));
            }
            String hash = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
            if (hash == null || !SHA256.matcher(hash).matches()) {
                throw new IllegalArgumentException(
                        "model '" + name + "' v" + version
                                + ": sha256 must be 64 hex characters, got " + quoted(sha256));
            }
            if (inputWidth < 0) {
                throw new IllegalArgumentException(
                        "model '" + name + "' v" + version
                                + ": input width must be positive, or 0 for unchecked, got "
                                + inputWidth);
            }
            if (precision == null) {
                throw new IllegalArgumentException(
                        "model '" + name + "' v" + version + ": precision must not be null");
            }
            sha256 = hash;
            signature = blankToNull(signature);
            keyId = blankToNull(keyId);
            inputName = blankToNull(inputName);
            return new ModelDescriptor(this);
        }

        private static String quoted(String s) {
            return s == null ? "null" : "'" + s + "'";
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }
}
