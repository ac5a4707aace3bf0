package io.inferflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link SchemaRegistryClient} promises against any Confluent-compatible registry; run
 * against {@link LocalSchemaRegistry} and against Apicurio Registry.
 */
abstract class SchemaRegistryClientContract {

    static final Schema V1 = parse("{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}");
    /** V1 plus a field with a default: backward compatible. */
    static final Schema V2 = parse("{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"size\",\"type\":\"int\",\"default\":0}]}");
    /** V1 with the id turned into an int: not backward compatible. */
    static final Schema BROKEN = parse("{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":"
            + "\"t\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}");

    /** A subject no other test uses. */
    String subject;

    /** The Confluent API base URL of the registry under test. */
    abstract String registryUrl();

    @BeforeEach
    void uniqueSubject() {
        subject = "thing-" + UUID.randomUUID() + "-value";
    }

    SchemaRegistryClient newClient() {
        return new SchemaRegistryClient(registryUrl());
    }

    @Test
    void registersTheSameSchemaTwiceWithTheSameId() throws Exception {
        int first = newClient().register(subject, V1);
        int second = newClient().register(subject, V1);
        assertEquals(first, second);
    }

    @Test
    void getsSchemaByIdFromAFreshClient() throws Exception {
        int id = newClient().register(subject, V2);
        assertEquals(V2, newClient().getById(id));
    }

    @Test
    void latestIsTheNewestVersion() throws Exception {
        SchemaRegistryClient client = newClient();
        int v1 = client.register(subject, V1);
        int v2 = client.register(subject, V2);
        assertNotEquals(v1, v2);

        RegisteredSchema latest = newClient().latest(subject);
        assertEquals(v2, latest.id());
        assertEquals(2, latest.version());
        assertEquals(subject, latest.subject());
        assertEquals(V2, latest.schema());
    }

    @Test
    void checksCompatibilityAgainstTheLatestVersion() throws Exception {
        SchemaRegistryClient client = newClient();
        client.register(subject, V1);
        assertTrue(client.isCompatible(subject, V2));
        assertFalse(client.isCompatible(subject, BROKEN));
    }

    @Test
    void anyschemaIsCompatibleWithASubjectThatDoesNotExist() throws Exception {
        assertTrue(newClient().isCompatible(subject, BROKEN));
    }

    @Test
    void refusesToRegisterAnIncompatibleSchema() throws Exception {
        SchemaRegistryClient client = newClient();
        client.register(subject, V1);
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.register(subject, BROKEN));
        assertEquals(409, e.httpStatus());
        assertEquals(SchemaRegistryException.INCOMPATIBLE_SCHEMA, e.errorCode());
        assertTrue(e.getMessage().contains(subject), e.getMessage());
    }

    @Test
    void unknownIdFailsWithSchemaNotFound() {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> newClient().getById(987654));
        assertEquals(404, e.httpStatus());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
        assertTrue(e.getMessage().contains("schema id 987654"), e.getMessage());
        assertTrue(e.getMessage().contains(registryUrl()), e.getMessage());
    }

    @Test
    void latestOfUnknownSubjectFailsWithSubjectNotFound() {
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> newClient().latest(subject));
        assertEquals(404, e.httpStatus());
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, e.errorCode());
        assertTrue(e.getMessage().contains(subject), e.getMessage());
    }

    @Test
    void listsRegisteredSubjects() throws Exception {
        newClient().register(subject, V1);
        assertTrue(newClient().subjects().contains(subject));
    }

    private static Schema parse(String json) {
        return new Schema.Parser().parse(json);
    }
}
