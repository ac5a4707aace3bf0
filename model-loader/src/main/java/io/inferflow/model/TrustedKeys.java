package io.inferflow.model;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Ed25519 keys trusted to sign models and control records: those given in the configuration,
 * less the revoked ones, plus those of an optional keys file that is read again whenever it
 * changes, so a key can be added (rotation) or revoked without restarting anything.
 *
 * <p>The keys file has one entry per line; {@code #} starts a comment:
 *
 * <pre>
 * ops-2027=MCowBQYDK2VwAyEA...      # trust a key: KEY_ID=BASE64, as 'pipeline keys generate' prints
 * revoke 5d1c0a2b9f3e4d7a           # revoke a key, also one the configuration trusts
 * </pre>
 *
 * A revoked key stays revoked for as long as its line is there, whoever else trusts it. A file
 * that cannot be read or parsed keeps the keys read last (and the error is kept for {@link
 * #fileProblem()}); a file that was never read trusts nothing of its own.
 */
public final class TrustedKeys implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How often, at most, the keys file's modification time is looked at. */
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    /** What a key id is to this set. */
    public enum State {
        TRUSTED,
        REVOKED,
        UNKNOWN
    }

    private final Map<String, String> configured;
    private final Set<String> configuredRevoked;
    private final String file;

    private transient Map<String, PublicKey> keys;
    private transient Set<String> revoked;
    private transient FileTime fileTime;
    private transient long checkedAt;
    private transient String fileProblem;

    /**
     * @param configured key id to base64 X.509 public key
     * @param revoked key ids never to trust
     * @param file the keys file, or null for none
     */
    public TrustedKeys(Map<String, String> configured, Set<String> revoked, String file) {
        this.configured = Map.copyOf(configured);
        this.configuredRevoked = Set.copyOf(revoked);
        this.file = file == null || file.isBlank() ? null : file;
        configured.forEach((id, key) -> {
            String actual;
            try {
                actual = Ed25519.keyId(Ed25519.decodePublic(key));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "trusted key '" + id + "': " + e.getMessage(), e);
            }
            if (!actual.equals(id)) {
                throw new IllegalArgumentException(
                        "trusted key id '" + id + "' does not match its key, whose id is '"
                                + actual + "'");
            }
        });
    }

    /** Only the keys given, none revoked, no file. */
    public static TrustedKeys of(Map<String, String> configured) {
        return new TrustedKeys(configured, Set.of(), null);
    }

    /** The state of {@code keyId}, reading the keys file again first when it changed. */
    public synchronized State state(String keyId) {
        refresh();
        if (keyId == null) {
            return State.UNKNOWN;
        }
        if (revoked.contains(keyId)) {
            return State.REVOKED;
        }
        return keys.containsKey(keyId) ? State.TRUSTED : State.UNKNOWN;
    }

    /** The trusted key of {@code keyId}, or null when it is unknown or revoked. */
    public synchronized PublicKey key(String keyId) {
        return state(keyId) == State.TRUSTED ? keys.get(keyId) : null;
    }

    /** The ids trusted now, in order, for messages. */
    public synchronized Set<String> ids() {
        refresh();
        return new TreeSet<>(keys.keySet());
    }

    /** Why the keys file could not be read last time, or null. */
    public synchronized String fileProblem() {
        refresh();
        return fileProblem;
    }

    private void refresh() {
        if (keys == null) {
            keys = new HashMap<>();
            revoked = new HashSet<>(configuredRevoked);
            configured.forEach((id, key) -> {
                if (!revoked.contains(id)) {
                    keys.put(id, Ed25519.decodePublic(key));
                }
            });
            checkedAt = System.nanoTime() - 2 * CHECK_EVERY_NANOS;
        }
        if (file == null || System.nanoTime() - checkedAt < CHECK_EVERY_NANOS) {
            return;
        }
        checkedAt = System.nanoTime();
        Path path = Path.of(file);
        try {
            FileTime time = Files.getLastModifiedTime(path);
            if (time.equals(fileTime)) {
                return;
            }
            Parsed parsed = parse(Files.readAllLines(path, StandardCharsets.UTF_8), file);
            Map<String, PublicKey> next = new HashMap<>();
            Set<String> nextRevoked = new HashSet<>(configuredRevoked);
            nextRevoked.addAll(parsed.revoked);
            configured.forEach((id, key) -> next.put(id, Ed25519.decodePublic(key)));
            parsed.keys.forEach(next::put);
            next.keySet().removeAll(nextRevoked);
            keys = next;
            revoked = nextRevoked;
            fileTime = time;
            fileProblem = null;
        } catch (NoSuchFileException e) {
            fileProblem = "keys file '" + file + "' does not exist";
        } catch (IOException | UncheckedIOException e) {
            fileProblem = "keys file '" + file + "': " + e.getMessage();
        } catch (IllegalArgumentException e) {
            fileProblem = e.getMessage();
        }
    }

    private record Parsed(Map<String, PublicKey> keys, Set<String> revoked) {}

    /** Parses a keys file's lines; the message of a bad line names the file and line. */
    static Parsed parse(List<String> lines, String file) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        Set<String> revoked = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            line = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (line.isEmpty()) {
                continue;
            }
            String where = "keys file '" + file + "' line " + (i + 1) + ": ";
            if (line.startsWith("revoke ")) {
                revoked.add(line.substring("revoke ".length()).trim());
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        where + "expected KEY_ID=BASE64 or 'revoke KEY_ID', got '" + line + "'");
            }
            String id = line.substring(0, eq).trim();
            PublicKey key;
            try {
                key = Ed25519.decodePublic(line.substring(eq + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
            if (!Ed25519.keyId(key).equals(id)) {
                throw new IllegalArgumentException(
                        where + "key id '" + id + "' does not match its key, whose id is '"
                                + Ed25519.keyId(key) + "'");
            }
            keys.put(id, key);
        }
        return new Parsed(keys, revoked);
    }
}
