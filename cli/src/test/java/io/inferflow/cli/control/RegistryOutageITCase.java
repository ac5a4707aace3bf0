package io.inferflow.cli.control;

import io.inferflow.cli.EmbeddedStack;
import io.inferflow.cli.TcpProxy;
import io.inferflow.cli.TrackedProducer;
import io.inferflow.cli.io.Pacer;
import io.inferflow.jobs.JobOptions;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Mlp;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.registry.SchemaRegistryClient;
import io.inferflow.schemas.wire.ConfluentWireFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.inferflow.cli.KafkaTestUtils.firstScore;
import static io.inferflow.cli.KafkaTestUtils.predictionsOnce;
import static io.inferflow.cli.KafkaTestUtils.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Schema Registry unreachable for 20 s mid-stream (a proxy in front of it refuses
 * connections): events of the schema id the job has cached keep being scored; events written
 * with a schema id it has never seen wait, their decoding tried again with backoff, and are
 * scored once the registry answers again. Every event once, none dead-lettered.
 */
class RegistryOutageITCase {

    private static final int PARALLELISM = 2;
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    /** FeatureEvent as a newer producer writes it: one more field, with a default. */
    private static final Schema WITH_SOURCE = new Schema.Parser().parse(
            FeatureEvent.getClassSchema().toString().replace("\"fields\":[",
                    "\"fields\":[{\"name\":\"source\",\"type\":\"string\",\"default\":\"\"},"));

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedStack.flink(PARALLELISM);

    @RegisterExtension
    static final EmbeddedStack STACK = new EmbeddedStack();

    @Test
    void cachedSchemasKeepScoringAndANewIdWaitsForTheRegistry(@TempDir Path store)
            throws Exception {
        ControlTestKit kit = new ControlTestKit(STACK, store, PARALLELISM);
        Mlp v1 = Mlp.random(61, ControlTestKit.WIDTH, 16, 1);
        try (TcpProxy proxy = new TcpProxy(URI.create(kit.registryUrl).getPort())) {
            Configuration conf = kit.conf();
            conf.set(JobOptions.REGISTRY_URL, "http://127.0.0.1:" + proxy.port());
            JobClient job = ControlTestKit.startInferenceJob(conf, PARALLELISM, "registry");
            try (ModelControlClient control = kit.client();
                    TrackedProducer events = new TrackedProducer(
                            STACK.kafka().bootstrapServers(), kit.registryUrl, kit.features,
                            "fraud", ControlTestKit.WIDTH)) {
                control.send(kit.deploy("fraud", 1, 1, v1), Duration.ofSeconds(60), s -> {})
                        .values().forEach(s -> assertEquals(ModelState.ACTIVE, s.getState()));
                Pacer pacer = new Pacer(200);
                int cached = 0;
                for (; cached < 600; cached++) {
                    pacer.awaitNext();
                    events.send("c-" + cached);
                }
                events.flush();
                predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl,
                        kit.predictions, cached);

                proxy.down();
                long downAt = System.nanoTime();
                for (; cached < 1200; cached++) {
                    pacer.awaitNext();
                    events.send("c-" + cached);
                }
                events.flush();
                // Scored without the registry: the schema id is cached.
                predictionsOnce(STACK.kafka().bootstrapServers(), kit.registryUrl,
                        kit.predictions, cached);
                double cachedScoredWithin = (System.nanoTime() - downAt) / 1e9;

                // A schema id the job has never seen, registered behind the proxy's back.
                int newId = new SchemaRegistryClient(kit.registryUrl)
                        .register(kit.features + "-value", WITH_SOURCE);
                List<String> fresh = new ArrayList<>();
                Random random = new Random(7);
                for (int i = 0; i < 100; i++) {
                    float[] row = new float[ControlTestKit.WIDTH];
                    for (int k = 0; k < row.length; k++) {
                        row[k] = (float) random.nextGaussian();
                    }
                    String id = "n-" + i;
                    String entity = "entity-" + i;
                    events.sendBytes(id, row, entity,
                            ConfluentWireFormat.frame(newId, withSource(id, entity, row)),
                            System.currentTimeMillis());
                    fresh.add(id);
                }
                events.flush();
                long left = OUTAGE.toNanos() - (System.nanoTime() - downAt);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, left));
                assertTrue(readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters, 0,
                        Duration.ZERO, Duration.ofSeconds(1)).isEmpty(), "no dead letter");
                proxy.up();
                long upAt = System.nanoTime();

                int total = cached + fresh.size();
                Map<String, GenericRecord> scored = predictionsOnce(
                        STACK.kafka().bootstrapServers(), kit.registryUrl, kit.predictions, total);
                System.out.printf("registry down %d s: 600 events of the cached schema id scored"
                                + " within %.1f s of the outage's start; 100 of a new id scored"
                                + " %.1f s after the registry was back%n", OUTAGE.toSeconds(),
                        cachedScoredWithin, (System.nanoTime() - upAt) / 1e9);
                assertEquals(events.sent().keySet(), scored.keySet(), "every event, once");
                for (Map.Entry<String, GenericRecord> e : scored.entrySet()) {
                    assertEquals(v1.forward(events.sent().get(e.getKey()).row())[0],
                            firstScore(e.getValue()), 1e-5, e.getKey());
                }
                assertEquals(0, readCommitted(STACK.kafka().bootstrapServers(), kit.deadLetters,
                        0, Duration.ZERO, Duration.ofSeconds(1)).size(), "dead letters");
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static byte[] withSource(String id, String entity, float[] row) throws Exception {
        GenericRecord record = new GenericData.Record(WITH_SOURCE);
        record.put("source", "sensor-9");
        record.put("event_id", id);
        record.put("entity_id", entity);
        record.put("model", "fraud");
        record.put("event_time", System.currentTimeMillis());
        List<Float> features = new ArrayList<>();
        for (float f : row) {
            features.add(f);
        }
        record.put("features", features);
        record.put("inputs", List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(WITH_SOURCE).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
