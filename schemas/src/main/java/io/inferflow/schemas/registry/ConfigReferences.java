package io.inferflow.schemas.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Resolves Kafka config-provider references ({@code ${file:/path:key}}, {@code ${env:NAME}},
 * {@code ${dir:/path:file}}) with Kafka's own machinery: an {@link AbstractConfig} over the
 * values and the {@code config.providers*} keys resolves them in {@code originalsStrings()}.
 *
 * <p>Kafka leaves a reference it cannot resolve (an unknown provider alias, an environment variable
 * that is not set, a key missing from the file) as it is, silently; this class refuses that,
 * naming the key and the reference. References are resolved key by key, so that an error names
 * the key whose reference failed. The JVM system property
 * {@code org.apache.kafka.automatic.config.providers} restricts which provider classes Kafka
 * instantiates, as it does for Kafka clients.
 */
final class ConfigReferences {

    static final String CONFIG_PROVIDERS = AbstractConfig.CONFIG_PROVIDERS_CONFIG;

    /** {@code ${alias:[path:]key}} as Kafka's ConfigTransformer matches it. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]*?):(([^}]*?):)?([^}]*?)\\}");

    private ConfigReferences() {}

    /** Whether {@code key} configures config providers (and travels with the values). */
    static boolean isProviderKey(String key) {
        return key.equals(CONFIG_PROVIDERS) || key.startsWith(CONFIG_PROVIDERS + ".");
    }

    /**
     * {@code values} with their references resolved; unchanged when {@code providers} has no
     * {@code config.providers} key.
     *
     * @param values the values to resolve, by key
     * @param providers the {@code config.providers*} keys
     * @throws IllegalArgumentException naming the key whose reference cannot be resolved; never
     *     with the resolved value
     */
    static Map<String, String> resolve(Map<String, String> values, Map<String, String> providers) {
        Map<String, String> resolved = new LinkedHashMap<>(values);
        String aliases = providers.get(CONFIG_PROVIDERS);
        if (aliases == null || aliases.isBlank()) {
            return resolved;
        }
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String value = entry.getValue();
            if (value == null || !REFERENCE.matcher(value).find()) {
                continue;
            }
            String key = entry.getKey();
            Map<String, String> one = new TreeMap<>(providers);
            one.put(key, value);
            String result;
            try {
                result = new AbstractConfig(new ConfigDef(), one, false).originalsStrings().get(key);
            } catch (ConfigException e) {
                throw new IllegalArgumentException("cannot resolve the config provider reference"
                        + " in " + key + " (config.providers=" + aliases + "): "
                        + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot resolve the config provider reference"
                        + " in " + key + " (config.providers=" + aliases + "): " + e, e);
            }
            Matcher left = REFERENCE.matcher(result == null ? "" : result);
            if (left.find() && value.contains(left.group())) {
                throw new IllegalArgumentException(key + " refers to " + left.group()
                        + ", which config.providers=" + aliases + " did not resolve: is the"
                        + " provider alias '" + left.group(1) + "' configured"
                        + " (config.providers." + left.group(1) + ".class), and does the"
                        + " variable, file or key exist?");
            }
            resolved.put(key, result);
        }
        return resolved;
    }
}
