package io.inferflow.jobs;

import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.drift.DriftOptions;
import io.inferflow.operators.labels.LabelOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every option the job reads, from its {@code *Options} classes; and the check that a
 * configuration names no key in the job's namespaces that none of them declares, so that a typo
 * ({@code inference.batch.max-sise}) fails at start instead of leaving the default in force.
 */
public final class KnownOptions {

    /** The classes of {@code ConfigOption}s that make up the job's configuration. */
    public static final List<Class<?>> CLASSES =
            List.of(JobOptions.class, InferenceOptions.class, DriftOptions.class,
                    LabelOptions.class);

    /** Key prefixes that belong to the job; Flink's own keys are left to Flink. */
    static final List<String> NAMESPACES =
            List.of("kafka.", "registry.", "topics.", "model.", "inference.", "drift.", "labels.",
                    "delivery.");

    private KnownOptions() {}

    /** Every option of {@link #CLASSES}. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Class<?> type : CLASSES) {
            for (Field f : type.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                    try {
                        options.add((ConfigOption<?>) f.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(type + "." + f.getName(), e);
                    }
                }
            }
        }
        return options;
    }

    /**
     * The keys of {@link #all()}, sorted; a map option {@code x} (whose entries are keys {@code
     * x.<name>}) as {@code x.*}.
     */
    public static Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        all().forEach(o -> keys.add(isMap(o) ? o.key() + ".*" : o.key()));
        return keys;
    }

    /** The key prefixes of the map options, e.g. {@code kafka.properties.}. */
    public static Set<String> mapPrefixes() {
        Set<String> prefixes = new TreeSet<>();
        all().stream().filter(KnownOptions::isMap).forEach(o -> prefixes.add(o.key() + "."));
        return prefixes;
    }

    /** Whether {@code option} was declared as a {@code ConfigOption<Map<...>>}. */
    private static boolean isMap(ConfigOption<?> option) {
        for (Class<?> type : CLASSES) {
            for (Field f : type.getDeclaredFields()) {
                if (f.getType() == ConfigOption.class
                        && f.getGenericType() instanceof ParameterizedType p
                        && p.getActualTypeArguments()[0] instanceof ParameterizedType arg
                        && arg.getRawType() == Map.class
                        && option.key().equals(optionOf(f).key())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static ConfigOption<?> optionOf(Field f) {
        try {
            return (ConfigOption<?>) f.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(f.toString(), e);
        }
    }

    /**
     * Refuses a key in the job's namespaces that is no option, naming the closest one.
     *
     * @throws IllegalArgumentException {@code unknown option 'x' (did you mean 'y'?)}
     */
    public static void checkKeys(Configuration conf) {
        Set<String> known = keys();
        Set<String> accepted = new TreeSet<>(known);
        // Former names an option still reads (e.g. kafka.sink.delivery-guarantee).
        all().forEach(o -> o.fallbackKeys().forEach(k -> accepted.add(k.getKey())));
        Set<String> prefixes = mapPrefixes();
        List<String> problems = new ArrayList<>();
        for (String key : new TreeSet<>(conf.keySet())) {
            if (NAMESPACES.stream().anyMatch(key::startsWith) && !accepted.contains(key)
                    && prefixes.stream().noneMatch(key::startsWith)) {
                String closest =
                        known.stream()
                                .min(Comparator.comparingInt(k -> distance(k, key)))
                                .orElseThrow();
                problems.add("unknown option '" + key + "' (did you mean '" + closest + "'?)");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    String.join("; ", problems)
                            + "; the options are listed in docs/reference/configuration.md");
        }
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
