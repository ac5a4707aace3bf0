package io.inferflow.schemas.registry;

import org.apache.avro.Schema;

/** One version of a subject as the Schema Registry holds it. */
public record RegisteredSchema(int id, int version, String subject, Schema schema) {}
