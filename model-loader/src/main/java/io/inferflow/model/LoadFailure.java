package io.inferflow.model;

/**
 * The {@link ModelException#reason()} values of a failed model load, in the order the loader
 * checks them. Status records carry them as the prefix of their {@code reason}, e.g.
 * {@code SHA256_MISMATCH: expected 3fa1..., file has 9c02...}.
 */
public final class LoadFailure {

    /** The URI is outside every allowed root, or tries to escape one (e.g. with {@code ..}). */
    public static final String URI_NOT_ALLOWED = "URI_NOT_ALLOWED";
    /** No built-in fetcher or {@link ModelSource} handles the URI's scheme. */
    public static final String UNSUPPORTED_SCHEME = "UNSUPPORTED_SCHEME";
    /** The bytes could not be fetched: missing file, HTTP status other than 200, unreachable. */
    public static final String FETCH_FAILED = "FETCH_FAILED";
    /** The file is larger than the policy's {@code maxBytes}. */
    public static final String TOO_LARGE = "TOO_LARGE";
    /** The file's sha256 differs from the descriptor's. */
    public static final String SHA256_MISMATCH = "SHA256_MISMATCH";
    /** Signatures are required and the descriptor carries none. */
    public static final String SIGNATURE_MISSING = "SIGNATURE_MISSING";
    /** The signature does not verify with the named trusted key. */
    public static final String SIGNATURE_INVALID = "SIGNATURE_INVALID";
    /** The signature names a key that is not among the trusted keys. */
    public static final String UNTRUSTED_KEY = "UNTRUSTED_KEY";
    /** ONNX Runtime cannot create a session from the bytes (truncated file, not ONNX). */
    public static final String NOT_LOADABLE = "NOT_LOADABLE";
    public static final String WRONG_INPUT_COUNT = "WRONG_INPUT_COUNT";
    public static final String WRONG_INPUT_NAME = "WRONG_INPUT_NAME";
    /** The input is not a float32 tensor (e.g. DOUBLE). */
    public static final String WRONG_INPUT_TYPE = "WRONG_INPUT_TYPE";
    /** The input is not {@code [batch, width]} with a dynamic batch and a fixed width. */
    public static final String WRONG_INPUT_SHAPE = "WRONG_INPUT_SHAPE";
    public static final String WRONG_INPUT_WIDTH = "WRONG_INPUT_WIDTH";
    /** An output is not a numeric tensor. */
    public static final String WRONG_OUTPUT_TYPE = "WRONG_OUTPUT_TYPE";
    /** The session loaded but the first run on a row of zeros failed or produced nothing. */
    public static final String WARM_UP_FAILED = "WARM_UP_FAILED";
    /**
     * {@code inference.device} is {@code cuda} and the CUDA execution provider cannot be used:
     * this ONNX Runtime build has none (the CPU artifact), or adding it or creating the session
     * on it failed (no GPU, driver or CUDA libraries missing). The message names the available
     * providers or ONNX Runtime's error.
     */
    public static final String CUDA_UNAVAILABLE = "CUDA_UNAVAILABLE";

    private LoadFailure() {}
}
