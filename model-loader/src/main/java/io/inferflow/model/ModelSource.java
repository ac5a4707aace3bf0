package io.inferflow.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;

/**
 * Opens model files for URI schemes beyond the built-in ones ({@code file} and plain paths,
 * {@code http}, {@code https}), e.g. Flink FileSystem schemes such as {@code s3://}. The loader
 * still applies its allowed roots, size limit and checks to what a source returns.
 */
public interface ModelSource extends Serializable {

    /** Whether this source can open {@code uri}; asked only for schemes the loader lacks. */
    boolean handles(URI uri);

    /** Opens the file's bytes; the loader closes the stream. */
    InputStream open(URI uri) throws IOException;
}
