package io.inferflow.operators.inference;

import io.inferflow.model.ModelSource;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Reads model files through Flink's {@link FileSystem}, for every scheme the loader lacks ({@code
 * s3://}, {@code hdfs://}, {@code gs://}...). Whether a scheme really works depends on the file
 * system plugins of the cluster: without one, {@link #open} fails naming the scheme, and the
 * loader rejects the version with that message.
 */
public final class FlinkFileSystemSource implements ModelSource {

    private static final long serialVersionUID = 1L;

    /** Schemes the loader reads itself. */
    private static final Set<String> BUILT_IN = Set.of("file", "http", "https");

    @Override
    public boolean handles(URI uri) {
        String scheme = uri.getScheme();
        return scheme != null && !BUILT_IN.contains(scheme.toLowerCase(Locale.ROOT));
    }

    @Override
    public InputStream open(URI uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs;
        try {
            fs = path.getFileSystem();
        } catch (IOException e) {
            throw new IOException(
                    "no Flink file system for scheme '" + uri.getScheme() + "' of " + uri
                            + " (is its plugin installed?): " + e.getMessage(),
                    e);
        }
        return fs.open(path);
    }

    @Override
    public String toString() {
        return "FlinkFileSystemSource";
    }
}
