package io.inferflow.cli.local;

import java.nio.file.Path;

/**
 * Where local mode keeps its model store and signing key, so that {@code pipeline model push}
 * from a second terminal finds them without options.
 */
public final class LocalPaths {

    private LocalPaths() {}

    public static Path root() {
        return Path.of(System.getProperty("java.io.tmpdir"), "inferflow", "local");
    }

    /** Model files pushed to local mode are copied here; the job may load only from here. */
    public static Path store() {
        return root().resolve("store");
    }

    public static Path privateKey() {
        return root().resolve("keys").resolve("local.key");
    }

    public static Path publicKey() {
        return root().resolve("keys").resolve("local.pub");
    }
}
