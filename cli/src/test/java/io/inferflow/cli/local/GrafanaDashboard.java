package io.inferflow.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of {@code deploy/grafana/inferflow-dashboard.json}: every panel target's {@code
 * expr} (panels nested in collapsed rows included) and every {@code label_values(...)} template
 * variable, with Grafana's variables replaced by fixed values so that Prometheus can run them.
 */
final class GrafanaDashboard {

    /** The dashboard, from the jobs module's directory (where Maven runs the tests). */
    static final Path FILE = Path.of("..", "deploy", "grafana", "inferflow-dashboard.json");

    private static final Pattern LABEL_VALUES =
            Pattern.compile("^\\s*label_values\\((.*),\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)\\s*$");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)\\}?");

    /** A panel target's expression, variables substituted. */
    record Target(String panel, String refId, String expr) {
        @Override
        public String toString() {
            return "panel '" + panel + "' target " + refId + ": " + expr;
        }
    }

    /**
     * A {@code label_values(selector, label)} template variable as an instant query whose result
     * carries {@code label}: {@code count by (label) (selector)}.
     */
    record Variable(String name, String label, String expr) {}

    private final JsonNode root;
    private final Map<String, String> values;

    private GrafanaDashboard(JsonNode root, Map<String, String> values) {
        this.root = root;
        this.values = values;
    }

    /**
     * Reads the dashboard; {@code values} maps variable names (without {@code $}) to the text
     * that replaces them.
     */
    static GrafanaDashboard read(Path file, Map<String, String> values) throws IOException {
        return new GrafanaDashboard(new ObjectMapper().readTree(file.toFile()), values);
    }

    JsonNode root() {
        return root;
    }

    List<Target> targets() {
        List<Target> out = new ArrayList<>();
        collect(root.path("panels"), out);
        return out;
    }

    private void collect(JsonNode panels, List<Target> out) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    out.add(
                            new Target(
                                    panel.path("title").asText(),
                                    target.path("refId").asText(),
                                    substitute(target.get("expr").asText())));
                }
            }
            collect(panel.path("panels"), out); // a collapsed row keeps its panels inside
        }
    }

    List<Variable> labelValuesVariables() {
        List<Variable> out = new ArrayList<>();
        for (JsonNode variable : root.path("templating").path("list")) {
            if (!"query".equals(variable.path("type").asText())) {
                continue;
            }
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asText() : query.asText();
            Matcher m = LABEL_VALUES.matcher(text);
            if (!m.matches()) {
                throw new IllegalStateException(
                        "variable " + variable.path("name").asText() + " is not label_values: "
                                + text);
            }
            out.add(
                    new Variable(
                            variable.path("name").asText(),
                            m.group(2),
                            "count by (" + m.group(2) + ") (" + substitute(m.group(1)) + ")"));
        }
        return out;
    }

    /** Replaces {@code $name} and {@code ${name}}; an unknown variable is an error. */
    String substitute(String expr) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("unknown variable " + m.group() + " in " + expr);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
