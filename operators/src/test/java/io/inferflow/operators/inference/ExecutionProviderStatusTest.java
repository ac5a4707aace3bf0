package io.inferflow.operators.inference;

import static io.inferflow.operators.inference.InferenceHarness.awaitFinishedLoads;
import static io.inferflow.operators.inference.InferenceHarness.operator;
import static io.inferflow.operators.inference.InferenceHarness.event;
import static io.inferflow.operators.inference.InferenceHarness.statuses;
import static io.inferflow.operators.inference.Models.deploy;
import static io.inferflow.operators.inference.Models.initial;
import static io.inferflow.operators.inference.Models.retire;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferflow.model.ExecutionProvider;
import io.inferflow.model.LoadFailure;
import io.inferflow.operators.decode.DecodedEvent;
import io.inferflow.operators.metrics.ModelMetrics;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.Prediction;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the inference operator says about the execution provider of the versions it serves: the
 * {@code execution_provider} of LOADED/ACTIVE statuses, the {@code activeOnGpu} gauge and the
 * {@code cudaFallbacks} counter. The fake scorers claim CUDA where this machine has no GPU.
 */
class ExecutionProviderStatusTest {

    private final FakeModelProvider provider = new FakeModelProvider(Map.of("fraud", 2));

    @Test
    void statusesAndMetricsFollowTheActiveVersionsProvider() throws Exception {
        provider.runOn("fraud", 1, ExecutionProvider.CPU,
                        "this ONNX Runtime build offers [CPU], not CUDA")
                .runOn("fraud", 2, ExecutionProvider.CUDA, null)
                .fail("fraud", 3, LoadFailure.CUDA_UNAVAILABLE,
                        "model 'fraud' v3: inference.device is cuda and this ONNX Runtime build"
                                + " offers [CPU], not CUDA");
        try (var harness = open()) {
            ModelMetrics metrics = operator(harness).modelMetrics("fraud");
            // v1 from the start: the auto fallback to the CPU.
            assertEquals(0, metrics.activeOnGpu());
            assertEquals(1, metrics.cudaFallbacks());

            harness.processElement2(deploy("fraud", 2, 1), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e1", "fraud", 1f, 2f), 0L);
            assertEquals(1, metrics.activeOnGpu(), "v2 runs on CUDA");
            assertEquals(1, metrics.cudaFallbacks());

            // A version that cannot get CUDA under inference.device=cuda: rejected, v2 serves on.
            harness.processElement2(deploy("fraud", 3, 2), 0L);
            awaitFinishedLoads(harness, 1);
            harness.processElement1(event("e2", "fraud", 1f, 2f), 0L);
            assertEquals(1, metrics.activeOnGpu());
            assertEquals(1, metrics.loadFailures());

            // The same version again (a new generation) keeps its provider in the ACTIVE status.
            harness.processElement2(deploy("fraud", 2, 3), 0L);
            harness.processElement2(retire("fraud", 2, 4), 0L);
            assertEquals(0, metrics.activeOnGpu(), "nothing serves");
            harness.endInput1();

            assertEquals(
                    List.of(
                            "LOADED v1 CPU",
                            "ACTIVE v1 CPU",
                            "LOADED v2 CUDA",
                            "ACTIVE v2 CUDA",
                            "REJECTED v3 null",
                            "ACTIVE v2 CUDA",
                            "RETIRED v2 null"),
                    describe(statuses(harness)));
            ModelStatus rejected = statuses(harness).get(4);
            assertEquals(
                    "CUDA_UNAVAILABLE: model 'fraud' v3: inference.device is cuda and this ONNX"
                            + " Runtime build offers [CPU], not CUDA",
                    rejected.getReason());
            assertEquals(
                    List.of(2L, 2L),
                    harness.extractOutputValues().stream()
                            .map(Prediction::getModelVersion)
                            .collect(Collectors.toList()));
        }
    }

    // --- helpers

    private TwoInputStreamOperatorTestHarness<DecodedEvent, ModelControl, Prediction> open()
            throws Exception {
        var operator =
                new MicroBatchInferenceOperator(
                        List.of(initial("fraud", 1)),
                        provider,
                        BatchingSettings.builder()
                                .maxSize(1)
                                .maxDelay(Duration.ofHours(1))
                                .build());
        var harness = new TwoInputStreamOperatorTestHarness<>(operator);
        harness.open();
        return harness;
    }

    private static List<String> describe(List<ModelStatus> statuses) {
        return statuses.stream()
                .map(s -> s.getState() + " v" + s.getVersion() + " " + s.getExecutionProvider())
                .collect(Collectors.toList());
    }
}
