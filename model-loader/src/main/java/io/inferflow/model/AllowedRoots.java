package io.inferflow.model;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The allowed-roots check of a {@link LoaderPolicy}. Candidates and roots are normalized first,
 * then compared segment by segment, so neither {@code ..} nor a sibling whose name merely starts
 * with the root's ({@code /models-evil} for {@code /models}) gets through. Local files are also
 * checked by their real path, so a symlink inside a root cannot lead out of it.
 */
final class AllowedRoots {

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");
    /** Encoded '.', '/' and '\' would let a server see a path other than the one checked. */
    private static final Pattern ENCODED_SEPARATOR =
            Pattern.compile("%(2e|2f|5c)", Pattern.CASE_INSENSITIVE);

    private final List<URI> roots;

    AllowedRoots(List<String> roots) {
        this.roots = new ArrayList<>();
        for (String root : roots) {
            this.roots.add(parseRoot(root));
        }
    }

    /** A root as a normalized URI; IllegalArgumentException naming the root if it is not one. */
    static URI parseRoot(String root) {
        try {
            URI uri = parse(root);
            if (uri.isOpaque() || uri.getPath() == null) {
                throw new IllegalArgumentException(
                        "allowed URI root must be a path or a hierarchical URI, got '"
                                + root + "'");
            }
            return uri;
        } catch (URISyntaxException | InvalidPathException e) {
            throw new IllegalArgumentException(
                    "allowed URI root must be a path or a URI, got '" + root + "': "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * A descriptor's URI as a normalized URI: plain paths become absolute {@code file:} URIs.
     * Two-letter-or-longer schemes only, so nothing is mistaken for one.
     */
    static URI parse(String text) throws URISyntaxException {
        if (!SCHEME.matcher(text).matches()) {
            return Path.of(text).toAbsolutePath().normalize().toUri();
        }
        URI uri = new URI(text).normalize();
        if ("file".equalsIgnoreCase(uri.getScheme()) && !uri.isOpaque()) {
            if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                throw new URISyntaxException(text, "a file URI must not name a host");
            }
            return Path.of(uri).toAbsolutePath().normalize().toUri();
        }
        return uri;
    }

    /**
     * Returns the URI to fetch: for a local file the URI of its real path. Throws
     * {@link LoadFailure#URI_NOT_ALLOWED} when no root contains it.
     */
    URI check(String label, String given, URI candidate) throws ModelException {
        if (candidate.isOpaque() || candidate.getPath() == null) {
            throw notAllowed(label, given, candidate, "it is not a hierarchical URI");
        }
        if (candidate.getRawPath() != null
                && ENCODED_SEPARATOR.matcher(candidate.getRawPath()).find()) {
            throw notAllowed(
                    label, given, candidate, "its path holds an encoded '.', '/' or '\\'");
        }
        boolean file = "file".equalsIgnoreCase(candidate.getScheme());
        if (!file && hasDotDotSegment(candidate.getPath())) {
            throw notAllowed(label, given, candidate, "its path climbs above the root with '..'");
        }
        for (URI root : roots) {
            if (file ? fileUnder(candidate, root) : uriUnder(candidate, root)) {
                return file ? realFile(label, given, candidate, root) : candidate;
            }
        }
        throw notAllowed(
                label, given, candidate, "it is under none of the allowed roots " + roots);
    }

    private static boolean fileUnder(URI candidate, URI root) {
        if (!"file".equalsIgnoreCase(root.getScheme())) {
            return false;
        }
        return Path.of(candidate).normalize().startsWith(Path.of(root).normalize());
    }

    /** Checks the real path too: a symlink inside the root must not point outside it. */
    private static URI realFile(String label, String given, URI candidate, URI root)
            throws ModelException {
        Path path = Path.of(candidate).normalize();
        if (!Files.exists(path)) {
            return candidate; // fetching reports the missing file
        }
        try {
            Path real = path.toRealPath();
            Path rootPath = Path.of(root).normalize();
            Path realRoot = Files.exists(rootPath) ? rootPath.toRealPath() : rootPath;
            if (!real.startsWith(realRoot)) {
                String why = "its real path " + real + " is outside " + realRoot;
                throw notAllowed(label, given, candidate, why);
            }
            return real.toUri();
        } catch (IOException e) {
            throw new ModelException(
                    LoadFailure.FETCH_FAILED,
                    label + ": cannot resolve " + candidate + ": " + e,
                    e);
        }
    }

    private static boolean uriUnder(URI candidate, URI root) {
        if (!candidate.getScheme().equalsIgnoreCase(root.getScheme())
                || !lower(candidate.getRawAuthority()).equals(lower(root.getRawAuthority()))) {
            return false;
        }
        String path = candidate.getRawPath();
        String rootPath = root.getRawPath();
        if (rootPath.isEmpty() || rootPath.endsWith("/")) {
            return path.startsWith(rootPath);
        }
        return path.equals(rootPath) || path.startsWith(rootPath + "/");
    }

    private static boolean hasDotDotSegment(String path) {
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static ModelException notAllowed(
            String label, String given, URI candidate, String why) {
        String shown = given.equals(candidate.toString())
                ? "'" + given + "'"
                : "'" + given + "' (normalized: " + candidate + ")";
        return new ModelException(
                LoadFailure.URI_NOT_ALLOWED, label + ": URI " + shown + " is not allowed: " + why);
    }
}
