package io.inferflow.jobs;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model given as {@code NAME[:VERSION]=FILE}: an entry of {@code inference.models} or a
 * {@code --model} argument of {@code pipeline local}.
 */
public record ModelArg(String name, long version, Path file) {

    private static final Pattern FORM =
            Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)(?::([0-9]+))?=(.+)");

    /** Parses {@code NAME=FILE} or {@code NAME:VERSION=FILE}; version 1 when omitted. */
    public static ModelArg parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "model '" + text + "' is not NAME=FILE or NAME:VERSION=FILE"
                            + " (names use letters, digits, '.', '_' and '-')");
        }
        long version = m.group(2) == null ? 1 : Long.parseLong(m.group(2));
        if (version < 1) {
            throw new IllegalArgumentException(
                    "model '" + text + "': version must be >= 1, got " + version);
        }
        return new ModelArg(m.group(1), version, Path.of(m.group(3)));
    }
}
