package io.inferflow.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * The state of {@link LocalSchemaRegistry}: schemas by global id, subjects with their versions,
 * compatibility levels. Schemas with the same text share one id across subjects, as in Confluent.
 * All methods are synchronized; the registry is small and calls are rare.
 */
final class InMemorySchemaStore {

    static final Set<String> LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
            "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    /** Index i holds the schema with id i + 1. */
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<String, Integer> idsByText = new HashMap<>();
    /** Per subject, the ids of its versions; version n is at index n - 1. */
    private final Map<String, List<Integer>> subjects = new TreeMap<>();
    private final Map<String, String> subjectLevels = new HashMap<>();
    private String globalLevel = "BACKWARD";

    synchronized RegisteredSchema register(String subject, Schema schema) throws RegistryError {
        List<Integer> versions = subjects.getOrDefault(subject, List.of());
        Integer known = idsByText.get(schema.toString());
        if (known != null && versions.contains(known)) {
            return new RegisteredSchema(known, versions.indexOf(known) + 1, subject, schema);
        }
        if (!compatibleWith(subject, schema, versions, true)) {
            throw new RegistryError(409, "Schema being registered is incompatible with an earlier"
                    + " schema for subject '" + subject + "' (compatibility "
                    + level(subject) + ")");
        }
        int id = idsByText.computeIfAbsent(schema.toString(), text -> {
            schemasById.add(schema);
            return schemasById.size();
        });
        subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
        return new RegisteredSchema(id, subjects.get(subject).size(), subject, schema);
    }

    synchronized RegisteredSchema lookup(String subject, Schema schema) throws RegistryError {
        List<Integer> versions = versions(subject);
        Integer id = idsByText.get(schema.toString());
        if (id == null || !versions.contains(id)) {
            throw new RegistryError(40403, "Schema not found under subject '" + subject + "'");
        }
        return new RegisteredSchema(id, versions.indexOf(id) + 1, subject, schemaById(id));
    }

    synchronized Schema schemaById(int id) throws RegistryError {
        if (id < 1 || id > schemasById.size()) {
            throw new RegistryError(40403, "Schema " + id + " not found");
        }
        return schemasById.get(id - 1);
    }

    synchronized List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    /** The version numbers of {@code subject}. */
    synchronized List<Integer> versionNumbers(String subject) throws RegistryError {
        List<Integer> numbers = new ArrayList<>();
        for (int v = 1; v <= versions(subject).size(); v++) {
            numbers.add(v);
        }
        return numbers;
    }

    /** Version {@code version} ("latest", "-1" or a number) of {@code subject}. */
    synchronized RegisteredSchema version(String subject, String version) throws RegistryError {
        List<Integer> versions = versions(subject);
        int n = versionIndex(version, versions.size());
        if (n < 1 || n > versions.size()) {
            throw new RegistryError(40402, "Version " + version + " not found for subject '"
                    + subject + "'");
        }
        int id = versions.get(n - 1);
        return new RegisteredSchema(id, n, subject, schemaById(id));
    }

    synchronized boolean isCompatible(String subject, String version, Schema schema)
            throws RegistryError {
        boolean latest = "latest".equals(version) || "-1".equals(version);
        if (latest && !subjects.containsKey(subject)) {
            return true;
        }
        if (latest) {
            return compatibleWith(subject, schema, versions(subject), true);
        }
        RegisteredSchema existing = version(subject, version);
        return compatibleWith(subject, schema, List.of(existing.id()), false);
    }

    synchronized String level(String subject) {
        return subject == null ? globalLevel : subjectLevels.getOrDefault(subject, globalLevel);
    }

    synchronized String setLevel(String subject, String level) throws RegistryError {
        String normalized = level == null ? "" : level.toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(normalized)) {
            throw new RegistryError(42203, "Invalid compatibility level '" + level
                    + "'; expected one of " + new TreeSet<>(LEVELS));
        }
        if (subject == null) {
            globalLevel = normalized;
        } else {
            subjectLevels.put(subject, normalized);
        }
        return normalized;
    }

    synchronized List<Integer> delete(String subject) throws RegistryError {
        List<Integer> numbers = versionNumbers(subject);
        subjects.remove(subject);
        return numbers;
    }

    private List<Integer> versions(String subject) throws RegistryError {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            throw new RegistryError(40401, "Subject '" + subject + "' not found");
        }
        return versions;
    }

    /**
     * Checks {@code schema} against the versions with the given ids by the subject's level: all
     * of them when the level is transitive or {@code latestUnlessTransitive} is false, else only
     * the last.
     */
    private boolean compatibleWith(
            String subject, Schema schema, List<Integer> ids, boolean latestUnlessTransitive)
            throws RegistryError {
        String level = level(subject);
        if (ids.isEmpty() || "NONE".equals(level)) {
            return true;
        }
        List<Integer> checked = level.endsWith("_TRANSITIVE") || !latestUnlessTransitive
                ? ids : ids.subList(ids.size() - 1, ids.size());
        for (int id : checked) {
            Schema existing = schemaById(id);
            boolean backward = canRead(schema, existing);
            boolean forward = canRead(existing, schema);
            boolean ok = level.startsWith("BACKWARD") ? backward
                    : level.startsWith("FORWARD") ? forward : backward && forward;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean canRead(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    private static int versionIndex(String version, int latest) throws RegistryError {
        if ("latest".equals(version) || "-1".equals(version)) {
            return latest;
        }
        try {
            int n = Integer.parseInt(version);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new RegistryError(42202, "The specified version '" + version
                    + "' is not a valid version id; expected 'latest' or a number from 1");
        }
    }
}
