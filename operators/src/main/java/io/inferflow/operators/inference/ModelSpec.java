package io.inferflow.operators.inference;

import java.io.Serializable;
import java.util.Objects;

/**
 * A model version to serve: its name (what events put in their {@code model} field), its version
 * and where its ONNX file lies (a local path or any Flink FileSystem URI). Immutable.
 *
 * <pre>{@code
 * ModelSpec fraud =
 *         ModelSpec.builder().name("fraud").version(3).uri("/models/fraud-3.onnx").build();
 * ModelSpec same = ModelSpec.of("fraud", 3, "/models/fraud-3.onnx");
 * }</pre>
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final long version;
    private final String uri;

    private ModelSpec(Builder builder) {
        if (builder.name == null || builder.name.isBlank()) {
            throw new IllegalArgumentException(
                    "model name must not be empty, got " + quote(builder.name));
        }
        if (!builder.name.equals(builder.name.strip())) {
            throw new IllegalArgumentException(
                    "model name must not start or end with whitespace, got " + quote(builder.name));
        }
        if (builder.version < 1) {
            throw new IllegalArgumentException(
                    "model '" + builder.name + "': version must be at least 1, got "
                            + builder.version);
        }
        if (builder.uri == null || builder.uri.isBlank()) {
            throw new IllegalArgumentException(
                    "model '" + builder.name + "' v" + builder.version
                            + ": uri must not be empty, got " + quote(builder.uri));
        }
        this.name = builder.name;
        this.version = builder.version;
        this.uri = builder.uri;
    }

    public static ModelSpec of(String name, long version, String uri) {
        return builder().name(name).version(version).uri(uri).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    /** Where the ONNX file lies: a path or a Flink FileSystem URI such as {@code s3://…}. */
    public String uri() {
        return uri;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelSpec)) {
            return false;
        }
        ModelSpec other = (ModelSpec) o;
        return version == other.version && name.equals(other.name) && uri.equals(other.uri);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version, uri);
    }

    /** {@code 'fraud' v3}, the form used in log lines and error messages. */
    @Override
    public String toString() {
        return "'" + name + "' v" + version;
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    /** Builds a {@link ModelSpec}; {@link #build()} validates. */
    public static final class Builder {

        private String name;
        private long version;
        private String uri;

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

        public ModelSpec build() {
            return new ModelSpec(this);
        }
    }
}
