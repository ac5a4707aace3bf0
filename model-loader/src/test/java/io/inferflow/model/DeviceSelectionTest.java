package io.inferflow.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@link SessionFactory}'s device policy ({@code inference.device}) on this machine, whose ONNX
 * Runtime is the CPU build: {@code auto} falls back to the CPU and says why, {@code cpu} never
 * tries CUDA, {@code cuda} rejects with {@link LoadFailure#CUDA_UNAVAILABLE}. Pretending the
 * build offers CUDA exercises the path where adding the CUDA provider itself fails (as with
 * {@code onnxruntime_gpu} on a host without CUDA).
 */
class DeviceSelectionTest {

    private static final Mlp MLP = Mlp.random(5, 8, 16, 1);
    private static final byte[] MODEL = MLP.toOnnx("features");
    private static final EnumSet<OrtProvider> WITH_CUDA =
            EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);

    @TempDir Path dir;

    private static RuntimeSettings on(RuntimeSettings.Device device) {
        return RuntimeSettings.defaults().withDevice(device, 0);
    }

    private static OnnxModel open(String label, byte[] bytes, RuntimeSettings settings)
            throws ModelException {
        return SessionFactory.of(settings).open(label, bytes, null, 0);
    }

    private static OnnxModel open(
            String label, byte[] bytes, RuntimeSettings settings, Set<OrtProvider> available)
            throws ModelException {
        return SessionFactory.of(settings, available).open(label, bytes, null, 0);
    }

    private static void assumeNoCudaBuild() {
        assumeFalse(
                OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "this ONNX Runtime build offers CUDA (the gpu profile); these tests expect the CPU"
                        + " build");
    }

    @Test
    void defaultsAreCpu() {
        assertEquals(RuntimeSettings.Device.CPU, RuntimeSettings.defaults().device());
        assertEquals("CPU", RuntimeSettings.defaults().deviceKey());
        assertEquals("AUTO:1", RuntimeSettings.defaults().withDevice(RuntimeSettings.Device.AUTO, 1)
                .deviceKey());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> RuntimeSettings.defaults()
                                .withDevice(RuntimeSettings.Device.CUDA, -1));
        assertTrue(e.getMessage().contains("got -1"), e.getMessage());
    }

    @Test
    void autoFallsBackToCpuAndRecordsWhy() throws Exception {
        assumeNoCudaBuild();
        try (OnnxModel model =
                open("model 'm'", MODEL, on(RuntimeSettings.Device.AUTO))) {
            assertEquals(ExecutionProvider.CPU, model.executionProvider());
            assertTrue(model.cudaFallback().contains("offers [CPU], not CUDA"),
                    model.cudaFallback());
            assertScores(model);
        }
    }

    @Test
    void autoFallsBackWhenAddingCudaFails() throws Exception {
        assumeNoCudaBuild();
        try (OnnxModel model =
                open("model 'm'", MODEL, on(RuntimeSettings.Device.AUTO), WITH_CUDA)) {
            assertEquals(ExecutionProvider.CPU, model.executionProvider());
            assertTrue(model.cudaFallback().startsWith(
                            "adding the CUDA execution provider (device 0) failed: "),
                    model.cudaFallback());
            assertScores(model);
        }
    }

    @Test
    void cpuNeverTriesCuda() throws Exception {
        // Even where CUDA is said to be offered: adding it would fail here, and nothing falls back.
        try (OnnxModel model =
                open("model 'm'", MODEL, on(RuntimeSettings.Device.CPU), WITH_CUDA)) {
            assertEquals(ExecutionProvider.CPU, model.executionProvider());
            assertNull(model.cudaFallback());
        }
    }

    @Test
    void cudaRejectsAVersionThatCannotGetCudaNamingTheProviders() {
        assumeNoCudaBuild();
        ModelException e =
                assertThrows(ModelException.class,
                        () -> open("model 'm'", MODEL, on(RuntimeSettings.Device.CUDA)));
        assertEquals(LoadFailure.CUDA_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith("model 'm': inference.device is cuda and this ONNX"
                + " Runtime build offers [CPU], not CUDA"), e.getMessage());
    }

    @Test
    void cudaRejectsWhenAddingTheProviderFails() {
        assumeNoCudaBuild();
        ModelException e =
                assertThrows(ModelException.class,
                        () -> open("model 'm'", MODEL, on(RuntimeSettings.Device.CUDA),
                                WITH_CUDA));
        assertEquals(LoadFailure.CUDA_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith(
                        "model 'm': adding the CUDA execution provider (device 0) failed"),
                e.getMessage());
    }

    @Test
    void aModelThatIsBrokenEverywhereIsNotLoadableWhateverTheDevice() {
        for (RuntimeSettings.Device device : RuntimeSettings.Device.values()) {
            ModelException e =
                    assertThrows(ModelException.class,
                            () -> open("model 'junk'", new byte[] {1, 2, 3}, on(device)));
            assertEquals(
                    device == RuntimeSettings.Device.CUDA
                                    && !OrtEnvironment.getAvailableProviders()
                                            .contains(OrtProvider.CUDA)
                            ? LoadFailure.CUDA_UNAVAILABLE
                            : LoadFailure.NOT_LOADABLE,
                    e.reason(), device + ": " + e.getMessage());
        }
    }

    @Test
    void theLoaderAndLoadedModelTellTheProvider() throws Exception {
        assumeNoCudaBuild();
        Path file = TestModels.write(dir.resolve("m.onnx"), MODEL);
        ModelDescriptor d = TestModels.describe("m", 1, file.toString(), MODEL).build();
        LoaderPolicy.Builder policy =
                LoaderPolicy.builder()
                        .allowedUriRoots(List.of(dir.toUri().toString()))
                        .requireSignatures(false);
        try (LoadedModel model =
                new ModelLoader(policy.runtime(on(RuntimeSettings.Device.AUTO)).build(), List.of())
                        .load(d)) {
            assertEquals(ExecutionProvider.CPU, model.executionProvider());
            assertTrue(model.cudaFallback().contains("not CUDA"), model.cudaFallback());
        }
        ModelException e =
                assertThrows(ModelException.class,
                        () -> new ModelLoader(
                                        policy.runtime(on(RuntimeSettings.Device.CUDA)).build(),
                                        List.of())
                                .load(d)
                                .close());
        assertEquals(LoadFailure.CUDA_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith("model 'm' v1: "), e.getMessage());
    }

    private static void assertScores(OnnxModel model) throws ModelException {
        float[] row = {1, 2, 3, 4, 5, 6, 7, 8};
        FloatBuffer in =
                ByteBuffer.allocateDirect(row.length * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer()
                        .put(row);
        assertEquals(MLP.forward(row)[0], model.score(in, 1)[0], 1e-5);
    }
}
