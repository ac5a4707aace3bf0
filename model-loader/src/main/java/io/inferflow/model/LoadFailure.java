package io.inferflow.model;

/**
 * The {@link ModelException#reason()} of a model that fails to load, in the order the loader
 * checks them, then of a loaded model that fails to score. Status records carry the name as the
 * prefix of their {@code reason}, e.g. {@code SHA256_MISMATCH: expected 3fa1..., file has
 * 9c02...}; dead letters and metrics show it too, so a name must not change.
 */
public enum LoadFailure implements ModelException.Reason {
    /** The URI is outside every allowed root, or tries to escape one (e.g. with {@code ..}). */
    URI_NOT_ALLOWED,
    /** No built-in fetcher or {@link ModelSource} handles the URI's scheme. */
    UNSUPPORTED_SCHEME,
    /** The bytes could not be fetched: missing file, HTTP status other than 200, unreachable. */
    FETCH_FAILED,
    /** The file is larger than the policy's {@code maxBytes}. */
    TOO_LARGE,
    /** The file's sha256 differs from the descriptor's. */
    SHA256_MISMATCH,
    /** Signatures are required and the descriptor carries none. */
    SIGNATURE_MISSING,
    /** The signature does not verify with the named trusted key. */
    SIGNATURE_INVALID,
    /** The signature names a key that is not among the trusted keys. */
    UNTRUSTED_KEY,
    /** ONNX Runtime cannot create a session from the bytes (truncated file, not ONNX). */
    NOT_LOADABLE,
    /** The model has more or fewer than one input. */
    WRONG_INPUT_COUNT,
    /** The input's name differs from the descriptor's. */
    WRONG_INPUT_NAME,
    /** The input is not a float32 tensor (e.g. DOUBLE). */
    WRONG_INPUT_TYPE,
    /** The input is not {@code [batch, width]} with a dynamic batch and a fixed width. */
    WRONG_INPUT_SHAPE,
    /** The input's width differs from the descriptor's. */
    WRONG_INPUT_WIDTH,
    /** An output is not a numeric tensor. */
    WRONG_OUTPUT_TYPE,
    /** The session loaded but the first run on a row of zeros failed or produced nothing. */
    WARM_UP_FAILED,
    /**
     * {@code inference.device} is {@code cuda} and the CUDA execution provider cannot be used:
     * this ONNX Runtime build has none (the CPU artifact), or adding it or creating the session
     * on it failed (no GPU, driver or CUDA libraries missing). The message names the available
     * providers or ONNX Runtime's error.
     */
    CUDA_UNAVAILABLE,
    /**
     * The version loaded but breaks its model's input contract: its input name or width, or its
     * output names or per-row shapes, differ from those of the version serving now (or, with none
     * serving, from the input the version served last declared). Checked by the job just before
     * the swap, unless the control record sets {@code allow_signature_change}. The message names
     * both sides, e.g. {@code model 'fraud' v7 takes 8 features, v3 serving now takes 16}.
     */
    INCOMPATIBLE_SIGNATURE,
    /** Scoring a batch: ONNX Runtime's run failed. */
    RUN_FAILED,
    /** Scoring a batch: the outputs hold another number of values than rows × output width. */
    WRONG_OUTPUT_SHAPE
}
