package io.inferflow.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.security.PublicKey;
import java.util.List;

/**
 * Fetches, verifies, inspects and warms up model versions under a {@link LoaderPolicy}.
 * Thread-safe. Checks run in this order, and the first failure is a {@link ModelException}
 * whose {@link ModelException#reason() reason} is a {@link LoadFailure} and whose
 * message names the bad value:
 *
 * <ol>
 *   <li>the URI: a supported scheme, inside an allowed root;
 *   <li>fetching, reading no more than {@code maxBytes + 1} bytes;
 *   <li>the file's sha256 against the descriptor's;
 *   <li>the signature over {@link ModelDescriptor#signedPayload()}, when present or required;
 *   <li>an ONNX Runtime session on the device the policy's {@link RuntimeSettings} ask for
 *       ({@link LoadFailure#CUDA_UNAVAILABLE} when it must be CUDA and cannot), its input
 *       checked against the descriptor;
 *   <li>a warm-up run on a row of zeros.
 * </ol>
 *
 * <pre>{@code
 * ModelLoader loader = new ModelLoader(policy, List.of());
 * try (LoadedModel model = loader.load(descriptor)) {
 *     float[] scores = model.score(rows, 64);
 * }
 * }</pre>
 */
public final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private final LoaderPolicy policy;
    private final AllowedRoots roots;
    private final ModelFetcher fetcher;
    private final TrustedKeys trustedKeys;

    public ModelLoader(LoaderPolicy policy, List<ModelSource> extraSources) {
        this.policy = policy;
        this.roots = new AllowedRoots(policy.allowedUriRoots());
        this.fetcher = new ModelFetcher(policy.maxBytes(), policy.fetchTimeout(), extraSources,
                policy.fetchAttempts(), policy.fetchBackoff());
        this.trustedKeys = policy.keys();
    }

    public LoaderPolicy policy() {
        return policy;
    }

    /** Loads {@code d}; the caller owns the result and must close it. */
    public LoadedModel load(ModelDescriptor d) throws ModelException {
        long start = System.nanoTime();
        String label = "model " + d;
        URI target = roots.check(label, d.uri(), supportedUri(label, d.uri()));
        byte[] bytes = fetcher.fetch(label, target);
        String actual = Hashes.sha256Hex(bytes);
        if (!actual.equals(d.sha256())) {
            throw new ModelException(
                    LoadFailure.SHA256_MISMATCH,
                    label + ": sha256 of " + d.uri() + ": expected " + d.sha256() + ", file has "
                            + actual);
        }
        checkSignature(label, d);
        OnnxModel model =
                SessionFactory.of(policy.runtime())
                        .open(label, bytes, d.inputName(), d.inputWidth());
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.info("loaded {} from {} ({} bytes) in {} ms, on {}",
                label, d.uri(), bytes.length, millis, model.executionProvider());
        return new LoadedModel(d, model, millis);
    }

    /**
     * Fetches a file that goes with a model, such as its reference profile, under the same
     * allowed URI roots, schemes, size limit and timeout as model files.
     *
     * @param label names the file in error messages, e.g. {@code "profile of model 'fraud' v3"}
     */
    public byte[] fetch(String label, String uri) throws ModelException {
        URI target = roots.check(label, uri, supportedUri(label, uri));
        return fetcher.fetch(label, target);
    }

    private URI supportedUri(String label, String given) throws ModelException {
        URI uri;
        try {
            uri = AllowedRoots.parse(given);
        } catch (URISyntaxException | InvalidPathException e) {
            throw new ModelException(
                    LoadFailure.URI_NOT_ALLOWED,
                    label + ": '" + given + "' is neither a valid URI nor a path: "
                            + e.getMessage(),
                    e);
        }
        if (!fetcher.supports(uri)) {
            throw new ModelException(
                    LoadFailure.UNSUPPORTED_SCHEME,
                    label + ": scheme '" + uri.getScheme() + "' of '" + given
                            + "' is not supported; expected a path, file, http, https or a"
                            + " scheme of a configured model source");
        }
        return uri;
    }

    private void checkSignature(String label, ModelDescriptor d) throws ModelException {
        if (d.signature() == null) {
            if (policy.requireSignatures()) {
                throw new ModelException(
                        LoadFailure.SIGNATURE_MISSING,
                        label + ": signatures are required and the descriptor carries none");
            }
            return;
        }
        PublicKey key = trustedKeys.key(d.keyId());
        if (key == null) {
            boolean revoked = trustedKeys.state(d.keyId()) == TrustedKeys.State.REVOKED;
            throw new ModelException(
                    LoadFailure.UNTRUSTED_KEY,
                    label + ": signed with " + (revoked ? "revoked " : "") + "key "
                            + (d.keyId() == null ? "(no key id)" : "'" + d.keyId() + "'")
                            + ", expected one of the trusted keys " + trustedKeys.ids());
        }
        if (!Ed25519.verify(key, d.signedPayload(), d.signature())) {
            throw new ModelException(
                    LoadFailure.SIGNATURE_INVALID,
                    label + ": the signature does not verify with trusted key '" + d.keyId()
                            + "' over name, version and sha256 " + d.sha256());
        }
    }
}
