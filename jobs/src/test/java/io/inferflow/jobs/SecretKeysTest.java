package io.inferflow.jobs;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SecretKeysTest {

    @Test
    void redactsCredentialsAndKeepsTheRest() {
        Configuration conf = new Configuration();
        conf.setString("kafka.properties.sasl.jaas.config",
                "ScramLoginModule required username=\"u\" password=\"hunter2\";");
        conf.setString("kafka.properties.ssl.truststore.password", "store-secret");
        conf.setString("kafka.properties.ssl.keystore.key", "-----BEGIN PRIVATE KEY-----");
        conf.setString("registry.properties.basic.auth.user.info", "alice:s3cret");
        conf.setString("registry.properties.bearer.auth.token", "tok-123");
        conf.setString("registry.properties.basic.auth.credentials.source", "USER_INFO");
        conf.setString("registry.url", "https://alice:s3cret@registry.example.com:8081/sr");
        conf.setString("kafka.properties.security.protocol", "SASL_SSL");

        Configuration redacted = SecretKeys.redacted(conf);

        String all = redacted.toMap().toString();
        for (String secret : new String[] {"hunter2", "store-secret", "PRIVATE KEY", "s3cret",
                "tok-123"}) {
            assertFalse(all.contains(secret), secret + " in " + all);
        }
        assertEquals("USER_INFO",
                redacted.getString("registry.properties.basic.auth.credentials.source", null));
        assertEquals("SASL_SSL", redacted.getString("kafka.properties.security.protocol", null));
        assertEquals("https://registry.example.com:8081/sr", redacted.getString("registry.url", null));
        assertEquals(SecretKeys.HIDDEN,
                redacted.getString("registry.properties.basic.auth.user.info", null));
    }
}
