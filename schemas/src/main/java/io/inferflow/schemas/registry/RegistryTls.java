package io.inferflow.schemas.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the client {@link SSLContext} of {@link RegistrySettings}: trust and key stores in JKS,
 * PKCS12 or PEM, and the trust manager that skips hostname verification when it is disabled.
 */
final class RegistryTls {

    static final String JKS = "JKS";
    static final String PKCS12 = "PKCS12";
    static final String PEM = "PEM";
    static final List<String> TYPES = List.of(JKS, PKCS12, PEM);

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private RegistryTls() {}

    /** A store file as configured: its key, path, type and (unresolved-free) passwords. */
    record Store(String locationKey, Path path, String type, char[] password, char[] keyPassword) {

        @Override
        public String toString() {
            return path + " (" + type + ")";
        }
    }

    /**
     * The client's SSL context.
     *
     * @param trust the trust store; null for the JDK's default trust (cacerts)
     * @param key the key store (client certificate); null for none
     * @param verifyHostname false to accept a trusted certificate issued for another host
     */
    static SSLContext context(Store trust, Store key, boolean verifyHostname) {
        return context(trust, key, verifyHostname, null);
    }

    /**
     * Like {@link #context(Store, Store, boolean)}, but {@code certificateRequested} is set when
     * a server asks for the client's certificate (whether or not there is one to give).
     */
    static SSLContext context(Store trust, Store key, boolean verifyHostname,
            AtomicBoolean certificateRequested) {
        try {
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust == null ? null : trustStore(trust));
            TrustManager[] trustManagers = tmf.getTrustManagers();
            if (!verifyHostname) {
                trustManagers = withoutHostnameVerification(trustManagers);
            }
            KeyManager[] keyManagers = null;
            if (key != null) {
                KeyStore store = keyStore(key);
                KeyManagerFactory kmf =
                        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, key.type().equals(PEM) ? PEM_STORE_PASSWORD : key.keyPassword());
                keyManagers = kmf.getKeyManagers();
            }
            if (certificateRequested != null) {
                X509KeyManager delegate = null;
                for (KeyManager manager : keyManagers == null ? new KeyManager[0] : keyManagers) {
                    if (manager instanceof X509KeyManager x509) {
                        delegate = x509;
                    }
                }
                keyManagers = new KeyManager[] {
                        new RecordingKeyManager(delegate, certificateRequested)};
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (java.security.UnrecoverableKeyException e) {
            throw new IllegalArgumentException("cannot read the private key in " + key.path()
                    + " (" + key.locationKey() + "): is " + RegistrySettings.SSL_KEY_PASSWORD
                    + " (or " + RegistrySettings.SSL_KEYSTORE_PASSWORD + ") right? ("
                    + e.getMessage() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e,
                    e);
        }
    }

    /** A random password for the in-memory store that holds a PEM key. */
    private static final char[] PEM_STORE_PASSWORD = randomPassword();

    static KeyStore trustStore(Store trust) {
        if (trust.type().equals(PEM)) {
            List<X509Certificate> certificates = certificates(trust, read(trust));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(trust.locationKey() + ": " + trust.path()
                        + " holds no -----BEGIN CERTIFICATE----- block; a PEM trust store is a"
                        + " file of one or more X.509 certificates");
            }
            try {
                KeyStore store = KeyStore.getInstance(PKCS12);
                store.load(null, null);
                for (int i = 0; i < certificates.size(); i++) {
                    store.setCertificateEntry("ca-" + i, certificates.get(i));
                }
                return store;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalArgumentException("cannot build a trust store from "
                        + trust.path() + " (" + trust.locationKey() + "): " + e, e);
            }
        }
        KeyStore store = load(trust);
        try {
            boolean anyCertificate = false;
            for (String alias : Collections.list(store.aliases())) {
                anyCertificate |= store.isCertificateEntry(alias)
                        || store.getCertificate(alias) != null;
            }
            if (!anyCertificate) {
                throw new IllegalArgumentException(trust.locationKey() + ": " + trust.path()
                        + " holds no certificates" + (trust.password() == null
                        ? "; a password-protected store needs "
                        + RegistrySettings.SSL_TRUSTSTORE_PASSWORD : ""));
            }
        } catch (java.security.KeyStoreException e) {
            throw new IllegalArgumentException("cannot read " + trust.path() + ": " + e, e);
        }
        return store;
    }

    static KeyStore keyStore(Store key) {
        if (!key.type().equals(PEM)) {
            KeyStore store = load(key);
            try {
                for (String alias : Collections.list(store.aliases())) {
                    if (store.isKeyEntry(alias)) {
                        return store;
                    }
                }
            } catch (java.security.KeyStoreException e) {
                throw new IllegalArgumentException("cannot read " + key.path() + ": " + e, e);
            }
            throw new IllegalArgumentException(key.locationKey() + ": " + key.path()
                    + " holds no private key; a key store holds the client's key and"
                    + " certificate chain");
        }
        String text = read(key);
        PrivateKey privateKey = null;
        Matcher blocks = PEM_BLOCK.matcher(text);
        while (blocks.find()) {
            String type = blocks.group(1);
            if (type.equals("ENCRYPTED PRIVATE KEY") || type.endsWith(" PRIVATE KEY")) {
                throw new IllegalArgumentException(key.locationKey() + ": " + key.path()
                        + " holds a '" + type + "'; a PEM key store needs an unencrypted PKCS#8"
                        + " '-----BEGIN PRIVATE KEY-----' (convert it with: openssl pkcs8"
                        + " -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
            }
        }
        List<X509Certificate> chain = certificates(key, text);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(key.locationKey() + ": " + key.path()
                    + " holds no -----BEGIN CERTIFICATE----- block; a PEM key store is a"
                    + " PKCS#8 PRIVATE KEY followed by its certificate chain");
        }
        blocks = PEM_BLOCK.matcher(text);
        while (blocks.find()) {
            if (blocks.group(1).equals("PRIVATE KEY")) {
                if (privateKey != null) {
                    throw new IllegalArgumentException(key.locationKey() + ": " + key.path()
                            + " holds more than one PRIVATE KEY");
                }
                privateKey = privateKey(key, decode(key, blocks.group(2)),
                        chain.get(0).getPublicKey().getAlgorithm());
            }
        }
        if (privateKey == null) {
            throw new IllegalArgumentException(key.locationKey() + ": " + key.path()
                    + " holds no -----BEGIN PRIVATE KEY----- block; a PEM key store is an"
                    + " unencrypted PKCS#8 PRIVATE KEY followed by its certificate chain");
        }
        try {
            KeyStore store = KeyStore.getInstance(PKCS12);
            store.load(null, null);
            store.setKeyEntry("client", privateKey, PEM_STORE_PASSWORD,
                    chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(key.locationKey() + ": the key in " + key.path()
                    + " does not go with its certificate chain: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Store key, byte[] der, String algorithm) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key.locationKey() + ": the PRIVATE KEY in "
                    + key.path() + " is not a PKCS#8 " + algorithm + " key matching the first"
                    + " certificate (" + e.getMessage() + ")", e);
        }
    }

    private static List<X509Certificate> certificates(Store store, String text) {
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher blocks = PEM_BLOCK.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (blocks.find()) {
                if (blocks.group(1).equals("CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(decode(store, blocks.group(2)))));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(store.locationKey() + ": a CERTIFICATE in "
                    + store.path() + " does not parse: " + e.getMessage(), e);
        }
        return certificates;
    }

    private static byte[] decode(Store store, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(store.locationKey() + ": a PEM block in "
                    + store.path() + " is not valid base64", e);
        }
    }

    private static KeyStore load(Store store) {
        try (InputStream in = Files.newInputStream(store.path())) {
            KeyStore keyStore = KeyStore.getInstance(store.type());
            keyStore.load(in, store.password());
            return keyStore;
        } catch (IOException | GeneralSecurityException e) {
            String hint = "";
            if (looksLikePem(store.path())) {
                String typeKey = store.locationKey().replace(".location", ".type");
                hint = "; the file is PEM: set " + typeKey + "=PEM";
            } else if (e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT)
                            .contains("password")) {
                hint = "; is " + store.locationKey().replace(".location", ".password")
                        + " right?";
            }
            throw new IllegalArgumentException("cannot load " + store.path() + " ("
                    + store.locationKey() + ") as " + store.type() + ": " + e.getMessage()
                    + hint, e);
        }
    }

    private static String read(Store store) {
        try {
            return Files.readString(store.path(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + store.path() + " ("
                    + store.locationKey() + "): " + e, e);
        }
    }

    private static boolean looksLikePem(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return new String(in.readNBytes(4096), StandardCharsets.US_ASCII)
                    .contains("-----BEGIN ");
        } catch (IOException e) {
            return false;
        }
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
    }

    /**
     * The trust managers with every {@link X509ExtendedTrustManager} wrapped so that the chain is
     * still checked against the trusted certificates, but not the host name. The JDK's
     * {@code HttpClient} always asks the trust manager to verify the host (it sets the endpoint
     * identification algorithm {@code HTTPS} on every connection, whatever {@code
     * sslParameters} say, unless the JVM-wide system property {@code
     * jdk.internal.httpclient.disableHostnameVerification} is set); skipping it here keeps the
     * choice per client.
     */
    private static TrustManager[] withoutHostnameVerification(TrustManager[] managers) {
        TrustManager[] wrapped = managers.clone();
        for (int i = 0; i < wrapped.length; i++) {
            if (wrapped[i] instanceof X509TrustManager x509) {
                wrapped[i] = new NoHostnameTrustManager(x509);
            }
        }
        return wrapped;
    }

    /** Notes that the server asked for a client certificate; gives the delegate's, if any. */
    private static final class RecordingKeyManager extends X509ExtendedKeyManager {

        private final X509KeyManager delegate;
        private final AtomicBoolean requested;

        RecordingKeyManager(X509KeyManager delegate, AtomicBoolean requested) {
            this.delegate = delegate;
            this.requested = requested;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            requested.set(true);
            return delegate == null ? null : delegate.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers,
                SSLEngine engine) {
            requested.set(true);
            if (delegate instanceof X509ExtendedKeyManager extended) {
                return extended.chooseEngineClientAlias(keyType, issuers, engine);
            }
            return delegate == null ? null : delegate.chooseClientAlias(keyType, issuers, null);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate == null ? null : delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate == null ? null : delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate == null ? null : delegate.getPrivateKey(alias);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** Verifies the chain without the endpoint identification that the engine asks for. */
    private static final class NoHostnameTrustManager extends X509ExtendedTrustManager {

        private final X509TrustManager delegate;

        NoHostnameTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType,
                SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType,
                SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
