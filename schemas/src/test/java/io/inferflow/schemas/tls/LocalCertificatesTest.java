package io.inferflow.schemas.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCertificatesTest {

    @Test
    void serverAndClientCertificatesAreSignedByTheCa(@TempDir Path dir) throws Exception {
        LocalCertificates certs = LocalCertificates.create(dir);
        X509Certificate ca = (X509Certificate) certs.load(certs.truststoreP12()).getCertificate("ca");
        KeyStore server = certs.load(certs.serverP12());
        X509Certificate serverCert = (X509Certificate) server.getCertificate("server");
        serverCert.verify(ca.getPublicKey());
        assertEquals("CN=localhost", serverCert.getSubjectX500Principal().getName());
        assertTrue(serverCert.getSubjectAlternativeNames().stream()
                .anyMatch(san -> List.of(7, "127.0.0.1").equals(san)), "SAN ip 127.0.0.1");
        X509Certificate client = (X509Certificate) certs.load(certs.clientP12()).getCertificate("client");
        client.verify(ca.getPublicKey());
        String pem = Files.readString(certs.clientPem());
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"));
        assertEquals(2, pem.split("BEGIN CERTIFICATE").length - 1, "key, then client and CA certificates");
        assertTrue(Files.readString(certs.caPem()).contains("BEGIN CERTIFICATE"));
    }
}
