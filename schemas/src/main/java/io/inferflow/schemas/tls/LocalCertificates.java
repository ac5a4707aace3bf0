package io.inferflow.schemas.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority and the key stores a secured local stack needs, made with the
 * JDK's {@code keytool}: a CA, a server certificate for {@code localhost} / {@code 127.0.0.1}
 * (broker and registry) and a client certificate (mutual TLS), each signed by the CA, in PKCS12,
 * JKS and PEM form. For local mode's {@code --secure} and for tests; never for production.
 *
 * <pre>{@code
 * LocalCertificates certs = LocalCertificates.create(dir);
 * props.put("ssl.truststore.location", certs.truststoreP12().toString());
 * props.put("ssl.truststore.password", certs.password());
 * }</pre>
 *
 * @param dir where the files are
 * @param password the password of every store and key
 */
public record LocalCertificates(Path dir, String password) {

    private static final int VALIDITY_DAYS = 30;
    private static final String SERVER_SAN = "SAN=dns:localhost,ip:127.0.0.1";

    /** Makes a new CA and its certificates in {@code dir} (created if missing). */
    public static LocalCertificates create(Path dir) throws IOException {
        Files.createDirectories(dir);
        LocalCertificates certs = new LocalCertificates(dir, randomPassword());
        certs.generate();
        return certs;
    }

    /** The CA's certificate, PEM. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** A trust store holding the CA's certificate, PKCS12. */
    public Path truststoreP12() {
        return dir.resolve("truststore.p12");
    }

    /** A trust store holding the CA's certificate, JKS. */
    public Path truststoreJks() {
        return dir.resolve("truststore.jks");
    }

    /** The server's key and certificate chain (localhost, 127.0.0.1), PKCS12. */
    public Path serverP12() {
        return dir.resolve("server.p12");
    }

    /** The client's key and certificate chain (CN=inferflow-client), PKCS12. */
    public Path clientP12() {
        return dir.resolve("client.p12");
    }

    /** The client's key and certificate chain, JKS. */
    public Path clientJks() {
        return dir.resolve("client.jks");
    }

    /** The client's unencrypted PKCS#8 private key followed by its certificate chain, PEM. */
    public Path clientPem() {
        return dir.resolve("client-keystore.pem");
    }

    /** The client's certificate alone, PEM. */
    public Path clientCertPem() {
        return dir.resolve("client-cert.pem");
    }

    /** The client's unencrypted PKCS#8 private key alone, PEM. */
    public Path clientKeyPem() {
        return dir.resolve("client-key.pem");
    }

    /** Loads one of the PKCS12 stores above. */
    public KeyStore load(Path p12) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    /**
     * A server-side TLS context: {@link #serverP12()} as key store (the certificate for {@code
     * localhost} and {@code 127.0.0.1}), {@link #truststoreP12()} as trust store, so that client
     * certificates the CA signed are trusted (mutual TLS).
     */
    public SSLContext serverSslContext() throws IOException {
        try {
            KeyManagerFactory keys =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(serverP12()), password.toCharArray());
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststoreP12()));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a server TLS context from " + serverP12(), e);
        }
    }

    private void generate() throws IOException {
        String p = password;
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=inferflow local CA", "-ext", "bc:c", "-validity", days(),
                "-keystore", path("ca.p12"), "-storetype", "PKCS12", "-storepass", p);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", path("ca.p12"),
                "-storepass", p, "-file", caPem().toString());
        signed("server", "CN=localhost", SERVER_SAN, "EKU=serverAuth,clientAuth");
        signed("client", "CN=inferflow-client", null, "EKU=clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(),
                "-keystore", truststoreP12().toString(), "-storetype", "PKCS12", "-storepass", p);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(),
                "-keystore", truststoreJks().toString(), "-storetype", "JKS", "-storepass", p);
        keytool("-importkeystore", "-noprompt", "-srckeystore", clientP12().toString(),
                "-srcstoretype", "PKCS12", "-srcstorepass", p, "-destkeystore",
                clientJks().toString(), "-deststoretype", "JKS", "-deststorepass", p,
                "-destkeypass", p);
        writeClientPem();
        for (String leftover : List.of("server.csr", "client.csr", "server-cert.pem")) {
            Files.deleteIfExists(dir.resolve(leftover));
        }
    }

    /** A key pair in {@code <name>.p12} whose certificate the CA signs, with the CA in its chain. */
    private void signed(String name, String dname, String san, String eku) throws IOException {
        String p = password;
        String store = path(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048",
                "-dname", dname, "-validity", days(), "-keystore", store,
                "-storetype", "PKCS12", "-storepass", p);
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", p,
                "-file", path(name + ".csr"));
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca",
                "-keystore", path("ca.p12"), "-storepass", p, "-infile", path(name + ".csr"),
                "-outfile", path(name + "-cert.pem"), "-validity", days(), "-ext", eku));
        if (san != null) {
            sign.addAll(List.of("-ext", san));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(),
                "-keystore", store, "-storepass", p);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", path(name + "-cert.pem"),
                "-keystore", store, "-storepass", p);
    }

    private void writeClientPem() throws IOException {
        try {
            KeyStore store = load(clientP12());
            Key key = store.getKey("client", password.toCharArray());
            StringBuilder keyPem = new StringBuilder();
            pem(keyPem, "PRIVATE KEY", key.getEncoded());
            StringBuilder chainPem = new StringBuilder();
            for (Certificate cert : store.getCertificateChain("client")) {
                pem(chainPem, "CERTIFICATE", cert.getEncoded());
            }
            writePrivate(clientKeyPem(), keyPem.toString());
            writePrivate(clientPem(), keyPem + chainPem.toString());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the client key from " + clientP12(), e);
        }
    }

    private static void pem(StringBuilder out, String type, byte[] der) {
        out.append("-----BEGIN ").append(type).append("-----\n")
                .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der))
                .append("\n-----END ").append(type).append("-----\n");
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private static String days() {
        return String.valueOf(VALIDITY_DAYS);
    }

    private static void keytool(String... args) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool " + args[0] + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed (exit "
                        + process.exitValue() + "): " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool " + args[0], e);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "LocalCertificates[" + dir + "]";
    }
}
