package io.inferflow.model;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every check of {@link ModelLoader#load}, in its order, one test per {@link LoadFailure} it can
 * give, against files, a local HTTP server and extra model sources. Longer than most test classes
 * (about 400 lines) because the checks share one fixture (server, signing key, policy) and read
 * best side by side in the loader's order; the session checks themselves are {@link
 * SessionFactoryTest}'s and {@link ModelSignatureTest}'s.
 */
class ModelLoaderTest {

    private static final KeyPair TRUSTED = Ed25519.generate();
    private static final Mlp MLP = Mlp.random(3, 8, 16, 1);
    private static final byte[] MODEL = MLP.toOnnx("features");

    @TempDir Path dir;
    private Path models;
    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    /** Path to how many requests for it answer 503 first. */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger requests =
            new java.util.concurrent.atomic.AtomicInteger();
    private String store;

    @BeforeEach
    void startServer() throws IOException {
        models = Files.createDirectories(dir.resolve("models"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            Integer failing = failures.get(exchange.getRequestURI().getPath());
            if (failing != null && failing > 0) {
                failures.put(exchange.getRequestURI().getPath(), failing - 1);
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            byte[] body = served.get(exchange.getRequestURI().getPath());
            try (OutputStream out = exchange.getResponseBody()) {
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    exchange.sendResponseHeaders(200, body.length);
                    out.write(body);
                }
            }
        });
        server.start();
        store = "http://127.0.0.1:" + server.getAddress().getPort() + "/store/";
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private LoaderPolicy.Builder policy() {
        return LoaderPolicy.builder()
                .allowedUriRoots(List.of(models.toUri().toString(), store))
                .trustKey(TRUSTED.getPublic());
    }

    private ModelLoader loader() {
        return new ModelLoader(policy().build(), List.of());
    }

    /** {@code bytes} written under the models root, described and signed with the trusted key. */
    private ModelDescriptor signedFile(String file, byte[] bytes) throws IOException {
        Path path = TestModels.write(models.resolve(file), bytes);
        return TestModels.sign(
                TestModels.describe("fraud", 3, path.toString(), bytes).build(), TRUSTED);
    }

    private static ModelException rejected(
            ModelLoader loader, ModelDescriptor d, LoadFailure reason) {
        ModelException e = assertThrows(ModelException.class, () -> loader.load(d).close());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("model 'fraud' v3: "), e.getMessage());
        return e;
    }

    private static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), "expected '" + expected + "' in: " + actual);
    }

    @Test
    void loadsFromFileUriAndPath() throws Exception {
        ModelDescriptor byPath = signedFile("fraud-3.onnx", MODEL);
        ModelDescriptor byUri =
                byPath.toBuilder().uri(models.resolve("fraud-3.onnx").toUri().toString()).build();
        assertTrue(byUri.uri().startsWith("file:/"), byUri.uri());
        for (ModelDescriptor d : List.of(byPath, byUri)) {
            try (LoadedModel model = loader().load(d)) {
                assertEquals(d, model.descriptor());
                assertEquals(8, model.inputWidth());
                assertEquals(1, model.outputWidth());
                assertEquals("features", model.inputName());
                assertScoresLikeMlp(model);
            }
        }
    }

    @Test
    void loadsSignedModelOverHttp() throws Exception {
        served.put("/store/fraud-3.onnx", MODEL);
        ModelDescriptor d =
                TestModels.sign(
                        TestModels.describe("fraud", 3, store + "fraud-3.onnx", MODEL)
                                .inputWidth(8)
                                .build(),
                        TRUSTED);
        try (LoadedModel model = loader().load(d)) {
            assertScoresLikeMlp(model);
            assertTrue(model.loadMillis() >= 0);
        }
    }

    @Test
    void loadsUnsignedModelWhenSignaturesAreOptional() throws Exception {
        Path path = TestModels.write(models.resolve("a.onnx"), MODEL);
        ModelDescriptor d = TestModels.describe("fraud", 3, path.toString(), MODEL).build();
        try (LoadedModel model =
                new ModelLoader(policy().requireSignatures(false).build(), List.of()).load(d)) {
            assertScoresLikeMlp(model);
        }
    }

    @Test
    void loadsThroughAnExtraModelSource() throws Exception {
        ModelSource memory = new MemorySource(Map.of("/store/a.onnx", MODEL));
        LoaderPolicy policy = policy().allowedUriRoots(List.of("mem://bucket/store/")).build();
        ModelDescriptor d =
                TestModels.sign(
                        TestModels.describe("fraud", 3, "mem://bucket/store/a.onnx", MODEL)
                                .build(),
                        TRUSTED);
        try (LoadedModel model = new ModelLoader(policy, List.of(memory)).load(d)) {
            assertScoresLikeMlp(model);
        }
    }

    @Test
    void rejectsTruncatedFile() throws Exception {
        ModelException e =
                rejected(
                        loader(),
                        signedFile("truncated.onnx", Arrays.copyOf(MODEL, MODEL.length / 2)),
                        LoadFailure.NOT_LOADABLE);
        assertContains("ONNX Runtime cannot load it", e.getMessage());
    }

    @Test
    void rejectsRandomBytes() throws Exception {
        byte[] random = new byte[4096];
        new java.util.Random(5).nextBytes(random);
        rejected(loader(), signedFile("random.onnx", random), LoadFailure.NOT_LOADABLE);
    }

    @Test
    void rejectsWrongInputName() throws Exception {
        ModelException e =
                rejected(
                        loader(),
                        signedFile("other.onnx", MLP.toOnnx("other")),
                        LoadFailure.WRONG_INPUT_NAME);
        assertEquals(
                "model 'fraud' v3: input is named 'other', the descriptor says 'features'",
                e.getMessage());
    }

    @Test
    void rejectsDoubleInput() throws Exception {
        ModelException e =
                rejected(
                        loader(),
                        signedFile("double.onnx", TestModels.doubleInput(8)),
                        LoadFailure.WRONG_INPUT_TYPE);
        assertEquals(
                "model 'fraud' v3: input 'features' has type DOUBLE, expected FLOAT (float32),"
                        + " INT64 or STRING",
                e.getMessage());
    }

    @Test
    void rejectsWrongWidth() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL).toBuilder().inputWidth(16).build();
        ModelException e = rejected(loader(), d, LoadFailure.WRONG_INPUT_WIDTH);
        assertEquals(
                "model 'fraud' v3: input 'features' has width 8, the descriptor says 16",
                e.getMessage());
    }

    @Test
    void rejectsSha256Mismatch() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL);
        byte[] other = Mlp.random(4, 8, 16, 1).toOnnx("features");
        Files.write(models.resolve("fraud-3.onnx"), other);
        ModelException e = rejected(loader(), d, LoadFailure.SHA256_MISMATCH);
        assertContains(
                "expected " + Hashes.sha256Hex(MODEL) + ", file has " + Hashes.sha256Hex(other),
                e.getMessage());
    }

    @Test
    void rejectsMissingSignature() throws Exception {
        ModelDescriptor d =
                signedFile("fraud-3.onnx", MODEL).toBuilder().signature(null).keyId(null).build();
        ModelException e = rejected(loader(), d, LoadFailure.SIGNATURE_MISSING);
        assertContains("signatures are required and the descriptor carries none", e.getMessage());
    }

    @Test
    void rejectsInvalidSignature() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL);
        // A genuine signature of the trusted key, but for version 2: not replayable as v3.
        String forV2 =
                Ed25519.sign(
                        TRUSTED.getPrivate(), d.toBuilder().version(2).build().signedPayload());
        ModelException e =
                rejected(
                        loader(),
                        d.toBuilder().signature(forV2).build(),
                        LoadFailure.SIGNATURE_INVALID);
        assertContains("does not verify with trusted key '" + d.keyId() + "'", e.getMessage());
        // Signatures present are checked even when they are not required.
        ModelException optional =
                assertThrows(
                        ModelException.class,
                        () -> new ModelLoader(policy().requireSignatures(false).build(), List.of())
                                .load(d.toBuilder().signature(forV2).build()));
        assertEquals(LoadFailure.SIGNATURE_INVALID, optional.reason());
    }

    @Test
    void rejectsUntrustedKey() throws Exception {
        Path path = TestModels.write(models.resolve("fraud-3.onnx"), MODEL);
        KeyPair stranger = Ed25519.generate();
        ModelDescriptor d =
                TestModels.sign(
                        TestModels.describe("fraud", 3, path.toString(), MODEL).build(), stranger);
        ModelException e = rejected(loader(), d, LoadFailure.UNTRUSTED_KEY);
        assertContains("'" + Ed25519.keyId(stranger.getPublic()) + "'", e.getMessage());
        assertContains(Ed25519.keyId(TRUSTED.getPublic()), e.getMessage());
    }

    @Test
    void rejectsUriOutsideAllowedRoots() throws Exception {
        ModelDescriptor inside = signedFile("fraud-3.onnx", MODEL);
        Path outside = TestModels.write(dir.resolve("outside.onnx"), MODEL);
        Path sibling = TestModels.write(dir.resolve("models-evil").resolve("a.onnx"), MODEL);
        Path link = Files.createSymbolicLink(models.resolve("link.onnx"), outside);
        served.put("/elsewhere/a.onnx", MODEL);
        served.put("/store-evil/a.onnx", MODEL);
        String port = String.valueOf(server.getAddress().getPort());
        List<String> forms =
                List.of(
                        models + "/../outside.onnx",
                        models.toUri() + "../outside.onnx",
                        models + "/sub/../../outside.onnx",
                        sibling.toString(),
                        sibling.toUri().toString(),
                        outside.toString(),
                        link.toString(),
                        "outside.onnx",
                        store + "../elsewhere/a.onnx",
                        store + "%2e%2e/elsewhere/a.onnx",
                        "http://127.0.0.1:" + port + "/store-evil/a.onnx",
                        "http://localhost:" + port + "/store/fraud-3.onnx",
                        "https://127.0.0.1:" + port + "/store/fraud-3.onnx");
        for (String uri : forms) {
            ModelException e =
                    rejected(
                            loader(),
                            inside.toBuilder().uri(uri).build(),
                            LoadFailure.URI_NOT_ALLOWED);
            assertContains("URI '" + uri + "'", e.getMessage());
        }
        LoaderPolicy noRoots = policy().allowedUriRoots(List.of()).build();
        rejected(new ModelLoader(noRoots, List.of()), inside, LoadFailure.URI_NOT_ALLOWED);
    }

    @Test
    void rejectsUnsupportedScheme() throws Exception {
        ModelDescriptor d =
                signedFile("fraud-3.onnx", MODEL).toBuilder().uri("ftp://host/a.onnx").build();
        ModelException e = rejected(loader(), d, LoadFailure.UNSUPPORTED_SCHEME);
        assertContains("scheme 'ftp'", e.getMessage());
    }

    @Test
    void rejectsUnreachableUri() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String refused = "http://127.0.0.1:" + closedPort + "/store/a.onnx";
        LoaderPolicy refusedRoot =
                policy().addAllowedUriRoot("http://127.0.0.1:" + closedPort + "/store/").build();
        ModelException e =
                rejected(
                        new ModelLoader(refusedRoot, List.of()),
                        d.toBuilder().uri(refused).build(),
                        LoadFailure.FETCH_FAILED);
        assertContains("cannot connect to " + refused, e.getMessage());

        ModelException notFound =
                rejected(
                        loader(),
                        d.toBuilder().uri(store + "missing.onnx").build(),
                        LoadFailure.FETCH_FAILED);
        assertContains("answered HTTP 404, expected 200", notFound.getMessage());
        assertContains(store + "missing.onnx", notFound.getMessage());

        ModelException noFile =
                rejected(
                        loader(),
                        d.toBuilder().uri(models.resolve("missing.onnx").toString()).build(),
                        LoadFailure.FETCH_FAILED);
        assertContains("no such file", noFile.getMessage());
    }

    @Test
    void triesAStoreThatCannotBeReachedAgainThenGivesUp() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL);
        served.put("/store/fraud-3.onnx", MODEL);
        LoaderPolicy.Builder retrying = policy().fetchRetries(3, java.time.Duration.ofMillis(20));

        // Two 503s, then the file: loaded on the third attempt.
        failures.put("/store/fraud-3.onnx", 2);
        try (LoadedModel loaded = new ModelLoader(retrying.build(), List.of())
                .load(d.toBuilder().uri(store + "fraud-3.onnx").build())) {
            assertEquals(3, requests.get());
        }

        // Three 503s: rejected after three attempts.
        failures.put("/store/fraud-3.onnx", 3);
        requests.set(0);
        ModelException e = rejected(new ModelLoader(retrying.build(), List.of()),
                d.toBuilder().uri(store + "fraud-3.onnx").build(), LoadFailure.FETCH_FAILED);
        assertContains("answered HTTP 503, expected 200; gave up after 3 attempts over ",
                e.getMessage());
        assertEquals(3, requests.get());

        // A 404 is the answer, not an outage: one request.
        requests.set(0);
        rejected(new ModelLoader(retrying.build(), List.of()),
                d.toBuilder().uri(store + "missing.onnx").build(), LoadFailure.FETCH_FAILED);
        assertEquals(1, requests.get());
    }

    @Test
    void rejectsFileOverSizeLimit() throws Exception {
        ModelDescriptor d = signedFile("fraud-3.onnx", MODEL);
        served.put("/store/fraud-3.onnx", MODEL);
        ModelLoader small = new ModelLoader(policy().maxBytes(500).build(), List.of());
        ModelException file = rejected(small, d, LoadFailure.TOO_LARGE);
        assertContains("has " + MODEL.length + " bytes, the limit is 500 bytes", file.getMessage());
        ModelException http =
                rejected(
                        small,
                        d.toBuilder().uri(store + "fraud-3.onnx").build(),
                        LoadFailure.TOO_LARGE);
        assertContains("has " + MODEL.length + " bytes, the limit is 500 bytes", http.getMessage());

        // A source of unknown size that never ends: reading stops just past the limit.
        ModelSource endless = new EndlessSource();
        LoaderPolicy policy =
                policy().maxBytes(500).allowedUriRoots(List.of("endless://x/")).build();
        ModelException stream =
                rejected(
                        new ModelLoader(policy, List.of(endless)),
                        d.toBuilder().uri("endless://x/a.onnx").build(),
                        LoadFailure.TOO_LARGE);
        assertContains("more than 500 bytes", stream.getMessage());
        assertContains("the limit is 500 bytes", stream.getMessage());
    }

    private static void assertScoresLikeMlp(LoadedModel model) throws ModelException {
        float[] row = {0.5f, -1f, 2f, 0f, 0.25f, 3f, -0.5f, 1f};
        FloatBuffer in = OnnxModelTest.direct(8);
        in.put(row);
        assertEquals(MLP.forward(row)[0], model.score(in, 1)[0], 1e-5);
    }

    /** Serves a fixed map of paths from memory under the {@code mem} scheme. */
    private static final class MemorySource implements ModelSource {
        private final Map<String, byte[]> files;

        MemorySource(Map<String, byte[]> files) {
            this.files = files;
        }

        @Override
        public boolean handles(URI uri) {
            return "mem".equals(uri.getScheme());
        }

        @Override
        public InputStream open(URI uri) throws IOException {
            byte[] bytes = files.get(uri.getPath());
            if (bytes == null) {
                throw new IOException("no file " + uri.getPath());
            }
            return new ByteArrayInputStream(bytes);
        }
    }

    /** An {@code endless:} stream of zeros that has no size. */
    private static final class EndlessSource implements ModelSource {
        @Override
        public boolean handles(URI uri) {
            return "endless".equals(uri.getScheme());
        }

        @Override
        public InputStream open(URI uri) {
            return new InputStream() {
                @Override
                public int read() {
                    return 0;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return len;
                }
            };
        }
    }
}
