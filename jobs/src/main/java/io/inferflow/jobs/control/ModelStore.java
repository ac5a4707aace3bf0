package io.inferflow.jobs.control;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A directory of model files, laid out {@code <name>/v<version>-<sha256 prefix>.onnx}. */
public final class ModelStore {

    private final Path root;

    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Copies {@code file} into the store (atomically) and returns its {@code file:} URI. */
    public URI put(Path file, String name, long version, String sha256) throws IOException {
        Path target = path(name, version, sha256);
        Path dir = Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(dir, ".upload-", ".onnx");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target.toUri();
    }

    /** The {@code file:} URI {@link #put} returns for this version, without writing anything. */
    public URI uri(String name, long version, String sha256) {
        return path(name, version, sha256).toUri();
    }

    private Path path(String name, long version, String sha256) {
        return root.resolve(name).resolve("v" + version + "-" + sha256.substring(0, 12) + ".onnx");
    }
}
