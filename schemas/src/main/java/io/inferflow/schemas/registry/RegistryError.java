package io.inferflow.schemas.registry;

/**
 * A Confluent-style error answer of {@link LocalSchemaRegistry}: {@code error_code} and message;
 * the HTTP status is the code's first three digits.
 */
final class RegistryError extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errorCode;

    RegistryError(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    int errorCode() {
        return errorCode;
    }

    int httpStatus() {
        return errorCode < 1000 ? errorCode : errorCode / 100;
    }
}
