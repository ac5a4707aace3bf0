package io.inferflow.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 keys and signatures with the JDK's built-in provider. Keys travel and rest as base64:
 * public keys as X.509 {@code SubjectPublicKeyInfo}, private keys as PKCS#8. A key's id is the
 * first 16 hex characters of the sha256 of its X.509 encoding.
 *
 * <pre>{@code
 * KeyPair pair = Ed25519.generate();
 * String sig = Ed25519.sign(pair.getPrivate(), descriptor.signedPayload());
 * boolean ok = Ed25519.verify(pair.getPublic(), descriptor.signedPayload(), sig);
 * }</pre>
 */
public final class Ed25519 {

    private static final String ALGORITHM = "Ed25519";

    private Ed25519() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no Ed25519 provider", e);
        }
    }

    /** The first 16 hex characters of the sha256 of the key's X.509 encoding. */
    public static String keyId(PublicKey key) {
        return Hashes.sha256Hex(key.getEncoded()).substring(0, 16);
    }

    /** Signs {@code payload}; returns the signature in base64. */
    public static String sign(PrivateKey key, byte[] payload) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(payload);
            return Base64.getEncoder().encodeToString(signer.sign());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(
                    "expected an Ed25519 private key, got " + key.getAlgorithm(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Whether {@code base64Signature} is a valid signature of {@code payload}; false if not. */
    public static boolean verify(PublicKey key, byte[] payload, String base64Signature) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(base64Signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(payload);
            return verifier.verify(signature);
        } catch (SignatureException e) {
            return false;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(
                    "expected an Ed25519 public key, got " + key.getAlgorithm(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no Ed25519 provider", e);
        }
    }

    /** The public key as base64 of its X.509 encoding. */
    public static String encodePublic(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** Decodes {@link #encodePublic}'s form; throws IllegalArgumentException naming the problem. */
    public static PublicKey decodePublic(String base64) {
        if (base64 == null) {
            throw new IllegalArgumentException(
                    "expected a base64 X.509 Ed25519 public key, got null");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "expected a base64 X.509 Ed25519 public key, got text that is not base64: "
                            + e.getMessage(),
                    e);
        }
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException(
                    "expected a base64 X.509 Ed25519 public key, got " + der.length
                            + " bytes that are not one: " + e.getMessage(),
                    e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no Ed25519 provider", e);
        }
    }

    /**
     * Writes the private key (base64 PKCS#8, created with permissions 0600 where the file system
     * has POSIX permissions) and the public key (base64 X.509). Refuses to overwrite either file.
     */
    public static void writeKeyPair(KeyPair pair, Path privateFile, Path publicFile)
            throws IOException {
        if (Files.exists(privateFile)) {
            throw new FileAlreadyExistsException(privateFile.toString(), null, "not overwriting");
        }
        if (Files.exists(publicFile)) {
            throw new FileAlreadyExistsException(publicFile.toString(), null, "not overwriting");
        }
        byte[] privateText =
                (Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
        if (privateFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // Created 0600 from the start: no window in which others could read the key.
            Files.createFile(
                    privateFile,
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
            Files.write(privateFile, privateText);
        } else {
            Files.write(privateFile, privateText);
        }
        Files.writeString(publicFile, encodePublic(pair.getPublic()) + "\n");
    }

    public static PrivateKey readPrivate(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(text)));
        } catch (IllegalArgumentException | InvalidKeySpecException e) {
            throw new IOException(
                    file + ": expected a base64 PKCS#8 Ed25519 private key: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no Ed25519 provider", e);
        }
    }

    public static PublicKey readPublic(Path file) throws IOException {
        try {
            return decodePublic(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
