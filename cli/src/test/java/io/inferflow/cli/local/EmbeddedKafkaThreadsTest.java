package io.inferflow.cli.local;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EmbeddedKafkaThreadsTest {

    @Test
    void sizesRequestThreadsToTheCoresItShares() {
        assertEquals(Map.of("num.io.threads", "2", "num.network.threads", "1"),
                EmbeddedKafka.threadProperties(1));
        assertEquals(Map.of("num.io.threads", "2", "num.network.threads", "1"),
                EmbeddedKafka.threadProperties(2));
        assertEquals(Map.of("num.io.threads", "4", "num.network.threads", "2"),
                EmbeddedKafka.threadProperties(4));
        // Never above Kafka's own defaults (8 and 3).
        assertEquals(Map.of("num.io.threads", "8", "num.network.threads", "3"),
                EmbeddedKafka.threadProperties(16));
    }
}
