package io.inferflow.operators.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferflow.schemas.avro.DeadLetter;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.wire.DecodeException;
import io.inferflow.schemas.wire.ErrorTypes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.Collectors;

class DecodeFunctionTest {

    @Test
    void decodesValidRecord() throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder());
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            RawRecord raw = raw("e1,u1,fraud,1.5;2");
            harness.processElement(raw, 10L);

            DecodedEvent decoded = single(harness.extractOutputValues());
            assertEquals("e1", decoded.event.getEventId());
            assertEquals("u1", decoded.event.getEntityId());
            assertEquals("fraud", decoded.event.getModel());
            assertEquals(List.of(1.5f, 2f), decoded.event.getFeatures());
            assertEquals(raw.toString(), decoded.source.toString());
            assertEquals("e1,u1,fraud,1.5;2", utf8(decoded.source.value));
            assertEquals(List.of(), deadLetters(harness));
            assertEquals(1, function.metrics().decodedCount());
        }
    }

    @Test
    void deadLettersRecordTheDecoderRejects() throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder());
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            harness.processElement(raw("!bad magic"), 10L);

            assertEquals(List.of(), harness.extractOutputValues());
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.BAD_MAGIC_BYTE, dl.getErrorType());
            assertEquals("byte 0 is 0x21, expected 0x00", dl.getErrorMessage());
            assertEquals("features", dl.getTopic());
            assertEquals(2, dl.getPartition());
            assertEquals(17L, dl.getOffset());
            assertEquals("!bad magic", utf8(dl.getValue().array()));
            assertEquals("key", utf8(dl.getKey().array()));
            assertNull(dl.getEventId());
            assertEquals(1, function.metrics().deadLetterCount());
            assertEquals(1, function.metrics().deadLetterCount(ErrorTypes.BAD_MAGIC_BYTE));
        }
    }

    @Test
    void failsTheTaskWhenTheRegistryStaysDownPastTheWait() throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder())
                .withRegistryWait(java.time.Duration.ofMillis(400));
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            IOException e =
                    assertThrows(IOException.class, () -> harness.processElement(raw("!down"), 0));
            assertTrue(e.getMessage().startsWith("decoding features-2@17 (5 bytes) failed for 400 ms"
                    + " (registry.unavailable-wait): registry unreachable"), e.getMessage());
            assertEquals(List.of(), deadLetters(harness));
            assertTrue(function.metrics().registryRetryCount() >= 2,
                    "tried again: " + function.metrics().registryRetryCount());
        }
    }

    @Test
    void waitsForARegistryThatComesBackAndDeadLettersNothing() throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder());
        CsvDecoder.FLAKY_FAILURES.set(3);
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            harness.processElement(raw("!flaky"), 0);
            assertEquals("e9", single(harness.extractOutputValues()).event.getEventId());
            assertEquals(List.of(), deadLetters(harness));
            assertEquals(3, function.metrics().registryRetryCount());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiterString = "|",
            value = {
                ",u1,fraud,1 | required field 'event_id' is missing or empty",
                "e1,,fraud,1 | event 'e1': required field 'entity_id' is missing or empty",
                "e1,u1,,1 | event 'e1': required field 'model' is missing or empty",
                "e1,u1,fraud,null | event 'e1': required field 'features' is missing",
            })
    void deadLettersInvalidEventNamingTheField(String value, String message) throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder());
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            harness.processElement(raw(value), 0L);

            assertEquals(List.of(), harness.extractOutputValues());
            DeadLetter dl = single(deadLetters(harness));
            assertEquals(ErrorTypes.INVALID_EVENT, dl.getErrorType());
            assertEquals(message, dl.getErrorMessage());
            assertEquals(1, function.metrics().deadLetterCount(ErrorTypes.INVALID_EVENT));
        }
    }

    @Test
    void acceptsEventWithNoFeaturesForLaterWidthCheck() throws Exception {
        DecodeFunction function = new DecodeFunction(new CsvDecoder());
        try (var harness = ProcessFunctionTestHarnesses.forProcessFunction(function)) {
            harness.processElement(raw("e1,u1,fraud,"), 0L);
            assertEquals(List.of(), single(harness.extractOutputValues()).event.getFeatures());
        }
    }

    // --- helpers

    private static RawRecord raw(String value) {
        return new RawRecord(
                "features",
                2,
                17L,
                1_000L,
                "key".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<DeadLetter> deadLetters(
            OneInputStreamOperatorTestHarness<RawRecord, DecodedEvent> harness) {
        Queue<StreamRecord<DeadLetter>> side = harness.getSideOutput(DecodeFunction.DEAD_LETTERS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), "expected exactly one, got " + values);
        return values.get(0);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Decodes {@code event_id,entity_id,model,f1;f2} ({@code null} for no feature list).
     * {@code !bad magic} is the record's fault, {@code !down} is not. Fails unless opened.
     */
    private static final class CsvDecoder implements FeatureEventDecoder {

        private static final long serialVersionUID = 1L;

        /** How many more times "!flaky" fails as if the registry were down. */
        static final java.util.concurrent.atomic.AtomicInteger FLAKY_FAILURES =
                new java.util.concurrent.atomic.AtomicInteger();

        private transient boolean opened;

        @Override
        public void open() {
            opened = true;
        }

        @Override
        public FeatureEvent decode(byte[] value) throws IOException {
            if (!opened) {
                throw new IllegalStateException("decode() before open()");
            }
            String text = new String(value, StandardCharsets.UTF_8);
            if (text.equals("!bad magic")) {
                throw new DecodeException(
                        ErrorTypes.BAD_MAGIC_BYTE, "byte 0 is 0x21, expected 0x00");
            }
            if (text.equals("!down")) {
                throw new IOException("registry unreachable");
            }
            if (text.equals("!flaky")) {
                if (FLAKY_FAILURES.getAndDecrement() > 0) {
                    throw new IOException("registry unreachable for now");
                }
                text = "e9,u9,fraud,1";
            }
            String[] parts = text.split(",", -1);
            FeatureEvent event = new FeatureEvent();
            event.setEventId(parts[0]);
            event.setEntityId(parts[1]);
            event.setModel(parts[2]);
            event.setEventTime(Instant.ofEpochMilli(1_234));
            event.setFeatures(features(parts[3]));
            event.setInputs(List.of());
            return event;
        }

        private static List<Float> features(String text) {
            if (text.equals("null")) {
                return null;
            }
            List<Float> features = new ArrayList<>();
            for (String f : text.split(";")) {
                if (!f.isEmpty()) {
                    features.add(Float.parseFloat(f));
                }
            }
            return features;
        }
    }
}
