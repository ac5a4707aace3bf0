package io.inferflow.schemas.wire;

/** Values of {@code DeadLetter.error_type}: why a record was not scored. Part of the contract. */
public final class ErrorTypes {

    /** The value is null, empty or shorter than the 5-byte Confluent header. */
    public static final String TRUNCATED = "TRUNCATED";
    /** Byte 0 of the value is not the Confluent magic byte 0. */
    public static final String BAD_MAGIC_BYTE = "BAD_MAGIC_BYTE";
    /** The schema id in the header is not known to the registry. */
    public static final String UNKNOWN_SCHEMA_ID = "UNKNOWN_SCHEMA_ID";
    /** The schema is known but the Avro body does not decode with it into a FeatureEvent. */
    public static final String UNDECODABLE = "UNDECODABLE";
    /** Decoded, but a required field is missing or empty. */
    public static final String INVALID_EVENT = "INVALID_EVENT";
    /** The feature vector's length differs from the model's input width. */
    public static final String WRONG_WIDTH = "WRONG_WIDTH";
    /** A feature is NaN or infinite and the policy is to reject such events. */
    public static final String NON_FINITE_FEATURE = "NON_FINITE_FEATURE";
    /** The event names a model that is not served. */
    public static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";
    /** The model failed on the batch holding this event. */
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";
    /** The model's output for this event holds NaN or an infinity; nothing reaches predictions. */
    public static final String NON_FINITE_OUTPUT = "NON_FINITE_OUTPUT";

    private ErrorTypes() {}
}
