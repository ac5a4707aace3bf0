package io.inferflow.operators.control;

import io.inferflow.model.Ed25519;
import io.inferflow.schemas.avro.ModelControl;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * Signs control records whole ({@link ControlCanonical}) and checks their signatures.
 *
 * <pre>{@code
 * ControlSignatures.sign(record, keyPair);          // sets record_key_id, then record_signature
 * boolean ok = ControlSignatures.verifies(record, publicKey);
 * }</pre>
 */
public final class ControlSignatures {

    private ControlSignatures() {}

    /**
     * Signs {@code record} in place with {@code key}: sets {@code record_key_id} to the key's id,
     * then {@code record_signature} over the canonical encoding, which covers the key id too.
     * Sign last: any change after it makes the signature fail.
     */
    public static ModelControl sign(ModelControl record, KeyPair key) {
        return sign(record, key.getPrivate(), Ed25519.keyId(key.getPublic()));
    }

    /** {@link #sign(ModelControl, KeyPair)} with a private key and its id. */
    public static ModelControl sign(ModelControl record, PrivateKey key, String keyId) {
        record.setRecordKeyId(keyId);
        record.setRecordSignature(null);
        record.setRecordSignature(Ed25519.sign(key, ControlCanonical.bytes(record)));
        return record;
    }

    /** Whether {@code record}'s {@code record_signature} verifies with {@code key}. */
    public static boolean verifies(ModelControl record, PublicKey key) {
        String signature = record.getRecordSignature();
        return signature != null && Ed25519.verify(key, ControlCanonical.bytes(record), signature);
    }

    /**
     * A private key that signs records, with its id: what the rollout judge signs its promote
     * and abort records with ({@code model.control.decision-key}). Serializable as the key's
     * encoded bytes, so it travels in the job graph; it never prints them.
     */
    public static final class Signer implements Serializable {

        private static final long serialVersionUID = 1L;

        private final String keyId;
        private final String publicKey;
        private final byte[] encodedPrivate;

        private Signer(KeyPair pair) {
            this.keyId = Ed25519.keyId(pair.getPublic());
            this.publicKey = Ed25519.encodePublic(pair.getPublic());
            this.encodedPrivate = pair.getPrivate().getEncoded();
        }

        public static Signer of(KeyPair pair) {
            return new Signer(pair);
        }

        /**
         * The key pair of {@code privateFile} (as {@code pipeline keys generate} writes it) and
         * the {@code .pub} file beside it, which names the key.
         */
        public static Signer read(Path privateFile) throws IOException {
            Path publicFile =
                    Path.of(privateFile.toString().replaceAll("\\.key$", "") + ".pub");
            if (!Files.isRegularFile(privateFile)) {
                throw new IOException("private key file '" + privateFile + "' does not exist");
            }
            if (!Files.isRegularFile(publicFile)) {
                throw new IOException("public key file '" + publicFile + "' (next to the private"
                        + " key '" + privateFile + "') does not exist; it names the key");
            }
            return new Signer(new KeyPair(
                    Ed25519.readPublic(publicFile), Ed25519.readPrivate(privateFile)));
        }

        public String keyId() {
            return keyId;
        }

        /** The public key, base64 X.509. */
        public String publicKey() {
            return publicKey;
        }

        public ModelControl sign(ModelControl record) {
            return ControlSignatures.sign(record, privateKey(), keyId);
        }

        private PrivateKey privateKey() {
            try {
                return java.security.KeyFactory.getInstance("Ed25519").generatePrivate(
                        new java.security.spec.PKCS8EncodedKeySpec(encodedPrivate));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("decision key '" + keyId + "' is unusable", e);
            }
        }

        @Override
        public String toString() {
            return "Signer{keyId=" + keyId + ", public=" + publicKey.substring(0,
                    Math.min(12, publicKey.length())) + "..., private key not shown}";
        }
    }
}
