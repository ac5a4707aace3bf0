package io.inferflow.jobs;

import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.decode.FeatureEventDecoder;
import io.inferflow.operators.decode.RawRecord;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.inference.IdentityModelProvider;
import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import io.inferflow.schemas.avro.RolloutReport;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.jobs.control.ControlRecords;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link InferencePipeline#build} with in-memory sources and sinks: no broker, no registry and no
 * model file exist, so any I/O while the graph is built or run would fail this test.
 */
class InferencePipelineTest {

    private static final int WIDTH = 4;

    @Test
    void buildsAndRunsWithInMemorySourcesAndSinksOnly() throws Exception {
        Configuration conf = new Configuration();
        conf.set(DriftOptions.ENABLED, false);
        conf.set(InferenceOptions.BATCH_MAX_SIZE, 8);
        // Addresses nothing listens on: reaching for them would fail or hang the test.
        conf.set(JobOptions.BOOTSTRAP_SERVERS, "127.0.0.1:1");
        conf.set(JobOptions.REGISTRY_URL, "http://127.0.0.1:1");

        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(record(i, event("e" + i, i).toByteBuffer().array()));
        }
        records.add(record(50, "not avro".getBytes(StandardCharsets.UTF_8)));
        InMemoryIo io = new InMemoryIo(records);
        ModelSetup models =
                new ModelSetup(
                        List.of(descriptor()), new IdentityModelProvider(WIDTH, WIDTH));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        InferencePipeline.build(env, io, conf, models);
        env.execute("in-memory");

        Map<String, List<Float>> scores = new TreeMap<>();
        io.predictions.forEachRemaining(p -> scores.put(p.getEventId(), p.getScores()));
        assertEquals(50, scores.size(), "one prediction per valid event: " + scores.keySet());
        // The identity model's scores are the event's own features.
        assertEquals(List.of(7f, 8f, 9f, 10f), scores.get("e7"));
        List<DeadLetter> dead = new ArrayList<>();
        io.deadLetters.forEachRemaining(dead::add);
        assertEquals(1, dead.size(), "dead letters: " + dead);
        assertEquals(50L, dead.get(0).getOffset());
        List<ModelStatus> statuses = new ArrayList<>();
        io.statuses.forEachRemaining(statuses::add);
        assertTrue(statuses.stream().anyMatch(s -> s.getState().name().equals("ACTIVE")),
                "statuses: " + statuses);
    }

    private static ModelControl descriptor() {
        return ControlRecords.deploy(
                "demo", 1, 0, "file:///nowhere/demo.onnx", "0".repeat(64), "features", WIDTH,
                ModelPrecision.FP32, null, "test");
    }

    private static FeatureEvent event(String id, int i) {
        List<Float> features = List.of((float) i, i + 1f, i + 2f, i + 3f);
        return FeatureEvent.newBuilder()
                .setEventId(id)
                .setEntityId("u" + i)
                .setModel("demo")
                .setEventTime(Instant.ofEpochMilli(1_000L * i))
                .setFeatures(features)
                .build();
    }

    private static RawRecord record(long offset, byte[] value) {
        return new RawRecord("features", 0, offset, offset, null, value);
    }

    /** Values are Avro single-object encoded; anything else is the record's fault. */
    private static FeatureEvent decode(byte[] value) throws IOException {
        try {
            return FeatureEvent.fromByteBuffer(ByteBuffer.wrap(value));
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("UNDECODABLE", e.toString(), e);
        }
    }

    /** Sources from lists; sinks collected after the job ends. */
    private static final class InMemoryIo implements PipelineIo {

        private final List<RawRecord> features;
        CloseableIterator<Prediction> predictions;
        CloseableIterator<DeadLetter> deadLetters;
        CloseableIterator<ModelStatus> statuses;
        CloseableIterator<Prediction> shadowPredictions;

        InMemoryIo(List<RawRecord> features) {
            this.features = features;
        }

        @Override
        public DataStream<RawRecord> features(StreamExecutionEnvironment env) {
            return env.fromData(features).setParallelism(1);
        }

        @Override
        public DataStream<ModelControl> modelControl(StreamExecutionEnvironment env) {
            // The initial descriptor again: the same generation changes nothing.
            return env.fromData(List.of(descriptor()), new AvroTypeInfo<>(ModelControl.class));
        }

        @Override
        public FeatureEventDecoder decoder() {
            return InferencePipelineTest::decode;
        }

        @Override
        public void sinkPredictions(DataStream<Prediction> stream) {
            predictions = stream.collectAsync();
        }

        @Override
        public void sinkDeadLetters(DataStream<DeadLetter> stream) {
            deadLetters = stream.collectAsync();
        }

        @Override
        public void sinkModelStatus(DataStream<ModelStatus> stream) {
            statuses = stream.collectAsync();
        }

        @Override
        public void sinkDriftCounts(DataStream<DriftCounts> counts) {
            throw new AssertionError("drift is off");
        }

        @Override
        public void sinkShadowPredictions(DataStream<Prediction> stream) {
            shadowPredictions = stream.collectAsync();
        }

        @Override
        public void sinkRolloutReports(DataStream<RolloutReport> reports) {
            reports.sinkTo(new DiscardingSink<>());
        }

        @Override
        public void sinkRolloutDecisions(DataStream<ModelControl> decisions) {
            decisions.sinkTo(new DiscardingSink<>());
        }
    }
}
