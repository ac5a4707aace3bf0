package io.inferflow.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ed25519Test {

    private static final byte[] PAYLOAD = "fraud\n3\nabc".getBytes(StandardCharsets.UTF_8);

    @Test
    void signaturesVerifyOnlyWithTheRightKeyAndPayload() {
        KeyPair pair = Ed25519.generate();
        String signature = Ed25519.sign(pair.getPrivate(), PAYLOAD);
        assertTrue(Ed25519.verify(pair.getPublic(), PAYLOAD, signature));
        assertFalse(Ed25519.verify(Ed25519.generate().getPublic(), PAYLOAD, signature));
        assertFalse(
                Ed25519.verify(
                        pair.getPublic(), "fraud\n4\nabc".getBytes(StandardCharsets.UTF_8),
                        signature));
        assertFalse(Ed25519.verify(pair.getPublic(), PAYLOAD, "not base64!"));
        assertFalse(Ed25519.verify(pair.getPublic(), PAYLOAD, "AAAA"));
    }

    @Test
    void keyIdIsTheFirst16HexCharsOfTheSha256OfTheX509Encoding() {
        PublicKey key = Ed25519.generate().getPublic();
        assertEquals(Hashes.sha256Hex(key.getEncoded()).substring(0, 16), Ed25519.keyId(key));
        assertTrue(Ed25519.keyId(key).matches("[0-9a-f]{16}"));
    }

    @Test
    void publicKeysRoundTripThroughBase64() {
        PublicKey key = Ed25519.generate().getPublic();
        PublicKey decoded = Ed25519.decodePublic(Ed25519.encodePublic(key));
        assertEquals(Ed25519.keyId(key), Ed25519.keyId(decoded));
    }

    @Test
    void decodePublicNamesTheProblem() {
        IllegalArgumentException notBase64 =
                assertThrows(IllegalArgumentException.class, () -> Ed25519.decodePublic("***"));
        assertTrue(notBase64.getMessage().contains("not base64"), notBase64.getMessage());
        IllegalArgumentException notAKey =
                assertThrows(IllegalArgumentException.class, () -> Ed25519.decodePublic("AAAA"));
        assertTrue(notAKey.getMessage().contains("3 bytes that are not one"), notAKey.getMessage());
    }

    @Test
    void keyFilesRoundTripAndThePrivateOneIsOwnerOnly(@TempDir Path dir) throws Exception {
        KeyPair pair = Ed25519.generate();
        Path privateFile = dir.resolve("signing.key");
        Path publicFile = dir.resolve("signing.pub");
        Ed25519.writeKeyPair(pair, privateFile, publicFile);

        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)));
        PrivateKey privateKey = Ed25519.readPrivate(privateFile);
        PublicKey publicKey = Ed25519.readPublic(publicFile);
        assertEquals(Ed25519.keyId(pair.getPublic()), Ed25519.keyId(publicKey));
        assertTrue(Ed25519.verify(publicKey, PAYLOAD, Ed25519.sign(privateKey, PAYLOAD)));

        assertThrows(
                FileAlreadyExistsException.class,
                () -> Ed25519.writeKeyPair(Ed25519.generate(), privateFile, publicFile));
    }
}
