package io.inferflow.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustedKeysTest {

    private final KeyPair a = Ed25519.generate();
    private final KeyPair b = Ed25519.generate();

    private static String id(KeyPair k) {
        return Ed25519.keyId(k.getPublic());
    }

    private static String line(KeyPair k) {
        return id(k) + "=" + Ed25519.encodePublic(k.getPublic());
    }

    @Test
    void configuredKeysLessRevokedOnes() {
        TrustedKeys keys = new TrustedKeys(
                Map.of(id(a), Ed25519.encodePublic(a.getPublic()),
                        id(b), Ed25519.encodePublic(b.getPublic())),
                Set.of(id(b)), null);
        assertEquals(TrustedKeys.State.TRUSTED, keys.state(id(a)));
        assertEquals(TrustedKeys.State.REVOKED, keys.state(id(b)));
        assertNull(keys.key(id(b)));
        assertEquals(TrustedKeys.State.UNKNOWN, keys.state("nope"));
        assertEquals(Set.of(id(a)), keys.ids());
    }

    @Test
    void aKeyIdThatIsNotItsKeysIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrustedKeys.of(Map.of("wrong", Ed25519.encodePublic(a.getPublic()))));
        assertTrue(e.getMessage().contains("'wrong' does not match its key"), e.getMessage());
    }

    @Test
    void theKeysFileRotatesAndRevokesWithoutARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# rotation\n" + line(a) + "\n");
        TrustedKeys keys = new TrustedKeys(Map.of(), Set.of(), file.toString());
        assertEquals(TrustedKeys.State.TRUSTED, keys.state(id(a)));
        assertEquals(TrustedKeys.State.UNKNOWN, keys.state(id(b)));

        Files.writeString(file, line(a) + "\n" + line(b) + "\nrevoke " + id(a) + "  # lost\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (keys.state(id(b)) != TrustedKeys.State.TRUSTED && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(TrustedKeys.State.TRUSTED, keys.state(id(b)));
        assertEquals(TrustedKeys.State.REVOKED, keys.state(id(a)));

        // A broken file keeps the keys read last and says why.
        Files.writeString(file, "not a key line\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        deadline = System.nanoTime() + 5_000_000_000L;
        while (keys.fileProblem() == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(keys.fileProblem().contains("line 1: expected KEY_ID=BASE64"),
                keys.fileProblem());
        assertEquals(TrustedKeys.State.TRUSTED, keys.state(id(b)));
    }
}
