package io.inferflow.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads a model file's bytes from a local file, over {@code http(s)}, or through a
 * {@link ModelSource}, and stops reading as soon as the size limit is exceeded.
 */
final class ModelFetcher {

    /** The largest byte array a JVM reliably allocates. */
    private static final long ARRAY_LIMIT = Integer.MAX_VALUE - 8;

    private static final Logger LOG = LoggerFactory.getLogger(ModelFetcher.class);

    private final long maxBytes;
    private final Duration timeout;
    private final List<ModelSource> sources;
    private final int attempts;
    private final Duration backoff;
    private HttpClient http; // created on the first http(s) fetch; guarded by this

    /** One attempt per fetch. */
    ModelFetcher(long maxBytes, Duration timeout, List<ModelSource> sources) {
        this(maxBytes, timeout, sources, 1, Duration.ZERO);
    }

    /**
     * @param attempts how often a fetch that failed for a reason that may pass (the store cannot
     *     be reached or read, timed out, answered 5xx or 429) is tried in all, at least 1
     * @param backoff the wait before the second attempt, doubled before each later one
     */
    ModelFetcher(long maxBytes, Duration timeout, List<ModelSource> sources, int attempts,
            Duration backoff) {
        this.maxBytes = Math.min(maxBytes, ARRAY_LIMIT);
        this.timeout = timeout;
        this.sources = List.copyOf(sources);
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
    }

    /** A failure that another attempt may not meet: the store unreachable, slow or failing. */
    private static final class Transient extends ModelException {
        private static final long serialVersionUID = 1L;

        Transient(String message, Throwable cause) {
            super(LoadFailure.FETCH_FAILED, message, cause);
        }
    }

    /** Whether a built-in fetcher or a source handles the URI's scheme. */
    boolean supports(URI uri) {
        return isBuiltIn(uri) || source(uri) != null;
    }

    /**
     * The bytes at {@code uri}, trying again (up to the attempts, with backoff) while the store
     * cannot be reached; a missing file, a 4xx answer or a file over the limit fail at once.
     */
    byte[] fetch(String label, URI uri) throws ModelException {
        long start = System.nanoTime();
        long wait = backoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return fetchOnce(label, uri);
            } catch (Transient e) {
                if (attempt >= attempts) {
                    if (attempts == 1) {
                        throw e;
                    }
                    throw new ModelException(LoadFailure.FETCH_FAILED, e.getMessage()
                            + "; gave up after " + attempt + " attempts over "
                            + (System.nanoTime() - start) / 1_000_000 + " ms", e.getCause());
                }
                LOG.warn("{} (attempt {} of {}); trying again in {} ms", e.getMessage(),
                        attempt, attempts, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ModelException(LoadFailure.FETCH_FAILED,
                            label + ": interrupted while waiting to fetch " + uri + " again", e);
                }
                wait *= 2;
            }
        }
    }

    private byte[] fetchOnce(String label, URI uri) throws ModelException {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            return fetchFile(label, uri);
        }
        if (scheme.equals("http") || scheme.equals("https")) {
            return fetchHttp(label, uri);
        }
        ModelSource source = source(uri);
        if (source == null) {
            throw new ModelException(
                    LoadFailure.UNSUPPORTED_SCHEME,
                    label + ": no source handles the scheme of " + uri);
        }
        try (InputStream in = source.open(uri)) {
            return readLimited(label, uri, in, OptionalLong.empty());
        } catch (IOException e) {
            throw fetchFailed(label, uri, e);
        }
    }

    private byte[] fetchFile(String label, URI uri) throws ModelException {
        Path path = Path.of(uri);
        try {
            OptionalLong size = OptionalLong.of(Files.size(path));
            tooLargeIfOver(label, uri, size);
            try (InputStream in = Files.newInputStream(path)) {
                return readLimited(label, uri, in, size);
            }
        } catch (NoSuchFileException e) {
            throw new ModelException(
                    LoadFailure.FETCH_FAILED, label + ": no such file " + path, e);
        } catch (IOException e) {
            throw fetchFailed(label, uri, e);
        }
    }

    private byte[] fetchHttp(String label, URI uri) throws ModelException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        try {
            HttpResponse<InputStream> response =
                    httpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                int status = response.statusCode();
                if (status != 200) {
                    String message = label + ": GET " + uri + " answered HTTP " + status
                            + ", expected 200";
                    if (status >= 500 || status == 429) {
                        throw new Transient(message, null);
                    }
                    throw new ModelException(LoadFailure.FETCH_FAILED, message);
                }
                OptionalLong length = response.headers().firstValueAsLong("Content-Length");
                tooLargeIfOver(label, uri, length);
                return readLimited(label, uri, in, length);
            }
        } catch (HttpTimeoutException e) {
            throw new Transient(label + ": GET " + uri + " timed out after " + timeout, e);
        } catch (IOException e) {
            throw fetchFailed(label, uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException(
                    LoadFailure.FETCH_FAILED, label + ": interrupted while fetching " + uri, e);
        }
    }

    private synchronized HttpClient httpClient() {
        if (http == null) {
            // Redirects are not followed: a redirect could lead outside the allowed roots.
            http = HttpClient.newBuilder()
                    .connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return http;
    }

    private void tooLargeIfOver(String label, URI uri, OptionalLong size) throws ModelException {
        if (size.isPresent() && size.getAsLong() > maxBytes) {
            throw tooLarge(label, uri, size.getAsLong() + " bytes");
        }
    }

    /** Reads at most {@code maxBytes + 1} bytes: one more than allowed proves the file too big. */
    private byte[] readLimited(String label, URI uri, InputStream in, OptionalLong size)
            throws IOException, ModelException {
        ByteArrayOutputStream out =
                new ByteArrayOutputStream((int) Math.min(size.orElse(1 << 16), maxBytes));
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > maxBytes) {
                throw tooLarge(label, uri, "more than " + maxBytes + " bytes (stopped reading at "
                        + total + ")");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private ModelException tooLarge(String label, URI uri, String size) {
        return new ModelException(
                LoadFailure.TOO_LARGE,
                label + ": " + uri + " has " + size + ", the limit is " + maxBytes + " bytes");
    }

    /** A failure to connect or read, which another attempt may not meet. */
    private static ModelException fetchFailed(String label, URI uri, IOException e) {
        String what = e instanceof ConnectException ? "cannot connect to " : "cannot read ";
        String detail = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new Transient(label + ": " + what + uri + " (" + detail + ")", e);
    }

    private static boolean isBuiltIn(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("file") || scheme.equals("http") || scheme.equals("https");
    }

    private ModelSource source(URI uri) {
        for (ModelSource source : sources) {
            if (source.handles(uri)) {
                return source;
            }
        }
        return null;
    }
}
