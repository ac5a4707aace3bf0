package io.inferflow.schemas.registry;

import java.io.IOException;

/**
 * The Schema Registry refused a request or could not be reached. {@link #httpStatus()} is the
 * HTTP status ({@code -1} when no answer came), {@link #errorCode()} the registry's
 * {@code error_code} (Confluent's codes, e.g. {@link #SCHEMA_NOT_FOUND}).
 */
public class SchemaRegistryException extends IOException {

    /** The subject does not exist. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** The subject exists but not that version. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** No schema with that id, or the schema is not registered under the subject. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** The schema is not compatible with the subject's earlier versions. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** The schema does not parse (or is not Avro where Avro was expected). */
    public static final int INVALID_SCHEMA = 42201;
    /**
     * The registry refused the credentials, or wants some and none are configured (HTTP 401);
     * the {@link #errorCode()} of every 401 answer, whatever the registry's body says.
     */
    public static final int UNAUTHORIZED = 401;
    /**
     * The registry knows the credentials but does not allow them this request (HTTP 403); the
     * {@link #errorCode()} of every 403 answer.
     */
    public static final int FORBIDDEN = 403;
    /**
     * TLS with the registry failed: its certificate is not trusted or not for its host, or it
     * wants a client certificate or refused ours. A configuration fault, not retried.
     */
    public static final int TLS_FAILED = -2;
    /** The registry could not be reached or did not answer. */
    public static final int UNREACHABLE = -1;

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        this(message, httpStatus, errorCode, null);
    }

    public SchemaRegistryException(
            String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the answer, or {@code -1} when the registry did not answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code}, or {@code -1} when the registry did not answer. */
    public int errorCode() {
        return errorCode;
    }
}
