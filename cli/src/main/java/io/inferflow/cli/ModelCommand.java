package io.inferflow.cli;

import io.inferflow.jobs.control.ControlHistory;
import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.control.ModelStore;
import io.inferflow.cli.local.LocalPaths;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.Topics;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import io.inferflow.schemas.avro.RolloutMode;
import io.inferflow.schemas.avro.RolloutReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * {@code pipeline model}: deploy, roll out (canary, shadow), promote, abort, roll back, retire and
 * inspect model versions.
 */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Operate the model control plane (the model-control topic).",
        subcommands = {
            ModelCommand.Push.class,
            ModelCommand.Rollback.class,
            ModelCommand.Retire.class,
            ModelCommand.Promote.class,
            ModelCommand.Abort.class,
            ModelCommand.Status.class,
            ModelCommand.History.class,
            QuantizeCommand.class,
            GenerateCommand.class,
            ProfileCommand.class
        })
final class ModelCommand {

    /** Options shared by the commands that write a control record and wait for the outcome. */
    static class Writing {
        @Mixin
        ControlConnection control;

        @Option(names = "--no-wait", description = "Write the control record and return.")
        boolean noWait;

        @Option(names = "--timeout", defaultValue = "60",
                description = "Seconds to wait for every subtask's status (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        @Option(names = "--key", description = "Private key that signs the record and the"
                + " version (default: local mode's key when it exists); its .pub must lie beside"
                + " it.")
        Path key;

        /** A control client that signs what it writes with {@link #signingKey()}. */
        ModelControlClient client() throws Exception {
            return control.client().signingWith(signingKey());
        }

        /** The key pair that signs, or null (unsigned) when there is none. */
        KeyPair signingKey() throws Exception {
            Path keyFile = key != null ? key : LocalPaths.privateKey();
            if (!Files.isRegularFile(keyFile)) {
                if (key != null) {
                    throw new IllegalArgumentException("--key " + key + " does not exist");
                }
                System.err.println(
                        "warning: no --key: the record is unsigned; jobs with"
                                + " model.require-signatures=true will refuse it");
                return null;
            }
            Path publicFile = Path.of(keyFile.toString().replaceAll("\\.key$", "") + ".pub");
            if (!Files.isRegularFile(publicFile)) {
                throw new IllegalArgumentException(
                        "public key " + publicFile + " (next to --key) is missing; it names the"
                                + " key id");
            }
            return new KeyPair(Ed25519.readPublic(publicFile), Ed25519.readPrivate(keyFile));
        }

        /**
         * Writes {@code record}, prints statuses, returns 0 when every subtask ended well: for a
         * rollout, with its candidate in {@code expected}, else with the record's version.
         */
        int send(ModelControl record, ModelControlClient client, ModelState expected)
                throws Exception {
            PrintStream out = System.out;
            out.printf(
                    "%s %s (generation %d) -> %s%n",
                    record.getAction(), Rollouts.label(record), record.getGeneration(),
                    control.controlTopic);
            if (noWait) {
                client.send(record, Duration.ZERO, s -> {});
                return 0;
            }
            Map<Integer, ModelStatus> finals;
            try {
                finals = client.send(
                        record, Duration.ofSeconds(timeoutSeconds), s -> out.println("  " + line(s)));
            } catch (TimeoutException e) {
                System.err.println("error: " + e.getMessage());
                return 1;
            }
            long good = finals.values().stream().filter(s -> s.getState() == expected).count();
            ModelCandidate candidate = Rollouts.inProgress(record) ? record.getCandidate() : null;
            out.printf("%d of %d subtasks %s%s%n", good, finals.size(), expected,
                    candidate == null ? ""
                            : " for " + role(candidate.getMode()) + " v" + candidate.getVersion());
            return good == finals.size() ? 0 : 1;
        }
    }

    // No mixinStandardHelpOptions: its -V/--version would clash with the model's --version.
    @Command(name = "push",
            description = {"Deploys a new version of a model: copies the file into the model store"
                    + " (or points at --uri), computes its sha256, signs (name, version, sha256),"
                    + " writes a DEPLOY record and waits for every subtask's status.",
                "With --canary or --shadow the version is rolled out beside the desired (stable)"
                        + " one instead: the record keeps the stable version and names this one"
                        + " its candidate, and the wait is for every subtask's status of the"
                        + " candidate."})
    static final class Push extends Writing implements Callable<Integer> {

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
        boolean help;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Option(names = "--version", required = true, description = "Version; must be higher than every version pushed before.")
        long version;

        @Option(names = "--file", required = true, description = "The .onnx file.")
        Path file;

        @Option(names = "--uri", description = "Where the job loads the model from, instead of copying the file into --store.")
        URI uri;

        @Option(names = "--store", description = "Model store directory (default: local mode's, ${DEFAULT-VALUE}).")
        Path store = LocalPaths.store();

        @Option(names = "--precision", defaultValue = "FP32", description = "FP32, FP16 or INT8 (default: ${DEFAULT-VALUE}).")
        ModelPrecision precision;

        @Option(names = "--issued-by", description = "Who pushes (default: the OS user).")
        String issuedBy = user();

        @Option(names = "--profile", paramLabel = "PROFILE.json",
                description = "Reference profile (pipeline model profile) for drift detection;"
                        + " attached inline unless --profile-uri is given.")
        Path profile;

        @Option(names = "--profile-uri",
                description = "Where the job reads the profile from, instead of inline; needs"
                        + " --profile, the local copy that is checked against the model.")
        URI profileUri;

        @Option(names = "--allow-signature-change",
                description = "Change the model's input contract on purpose. Without it a version"
                        + " whose input name or width differ from the desired record's is"
                        + " refused here, and one whose outputs differ from the serving"
                        + " version's is rejected by the job (INCOMPATIBLE_SIGNATURE).")
        boolean allowSignatureChange;

        @Mixin
        RolloutOptions rollout;

        @Override
        public Integer call() throws Exception {
            RolloutMode mode = rollout.mode();
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--file " + file + " does not exist");
            }
            byte[] bytes = Files.readAllBytes(file);
            String sha256 = Hashes.sha256Hex(bytes);
            String inputName;
            int inputWidth;
            int numericWidth;
            try (OnnxModel model = OnnxModel.load(name, bytes, RuntimeSettings.defaults())) {
                inputName = model.inputName();
                inputWidth = model.inputWidth();
                numericWidth = model.signature().numericWidth();
            } catch (ModelException e) {
                throw new IllegalArgumentException(
                        "--file " + file + " is not a servable model: " + e.getMessage(), e);
            }
            if (profileUri != null && profile == null) {
                throw new IllegalArgumentException(
                        "--profile-uri needs --profile FILE, the local copy to check against the"
                                + " model");
            }
            String profileJson = profile == null ? null : readProfile(profile, numericWidth, sha256);
            KeyPair signer = signingKey();
            try (ModelControlClient client = control.client().signingWith(signer)) {
                ControlHistory history = client.history();
                ModelControl earlier = history.versions(name).get(version);
                if (earlier != null) {
                    throw new IllegalArgumentException(
                            "--version " + version + ": model '" + name + "' v" + version
                                    + " was pushed before (sha256 " + earlier.getSha256()
                                    + (earlier.getSha256() != null
                                            && earlier.getSha256().equals(sha256)
                                                    ? ", this same file" : ", another file")
                                    + ", by " + earlier.getIssuedBy() + " at "
                                    + earlier.getIssuedAt() + "); a version number names one file"
                                    + " forever: push it as v" + (history.highestVersion(name) + 1)
                                    + (earlier.getSha256() != null
                                            && earlier.getSha256().equals(sha256)
                                                    ? ", or roll back to v" + version : ""));
                }
                long highest = history.highestVersion(name);
                if (version <= highest) {
                    throw new IllegalArgumentException(
                            "--version " + version + ": model '" + name + "' already has v"
                                    + highest + "; versions must increase");
                }
                ModelControl stable = null;
                if (mode != null) {
                    stable = stableFor(history).orElse(null);
                    if (stable == null) {
                        return 1;
                    }
                }
                if (!allowSignatureChange
                        && refused(history, name, version, inputName, inputWidth, "push")) {
                    return 1;
                }
                ModelStore models = new ModelStore(store);
                URI location = uri != null ? uri : models.uri(name, version, sha256);
                ModelControl record =
                        ControlRecords.deploy(
                                name, version, history.nextGeneration(name), location.toString(),
                                sha256, inputName, inputWidth, precision, signer, issuedBy);
                if (profileUri != null) {
                    record.setProfileUri(profileUri.toString());
                } else {
                    record.setProfile(profileJson);
                }
                record.setAllowSignatureChange(allowSignatureChange);
                if (mode != null) {
                    ModelCandidate candidate = rollout.candidate(record, mode);
                    List<String> problems = Rollouts.problems(stable, candidate);
                    if (!problems.isEmpty()) {
                        problems.forEach(p -> System.err.println("error: " + p));
                        return 1;
                    }
                    record = Rollouts.withCandidate(
                            stable, candidate, record.getGeneration(), record.getIssuedAt(),
                            issuedBy);
                }
                if (uri == null) {
                    models.put(file, name, version, sha256);
                }
                // The version's identity first, under its own key: it survives compaction.
                ModelControl identity = mode == null ? record
                        : Rollouts.candidateControl(record);
                client.writeVersion(identity);
                return send(record, client, ModelState.ACTIVE);
            }
        }

        /**
         * The model's desired record when a candidate can be rolled out beside it (a DEPLOY or
         * ROLLBACK); else empty, having said why on standard error.
         */
        private Optional<ModelControl> stableFor(ControlHistory history) {
            Optional<ModelControl> desired = history.desired(name);
            if (desired.isEmpty()) {
                System.err.println("error: model '" + name + "' has no stable version to roll a"
                        + " candidate out beside; push v" + version + " without --canary or"
                        + " --shadow first");
                return Optional.empty();
            }
            if (desired.get().getAction() == ModelAction.RETIRE) {
                System.err.println("error: model '" + name + "' is retired (" + describe(desired.get())
                        + "): no stable version to roll a candidate out beside; push v"
                        + version + " without --canary or --shadow");
                return Optional.empty();
            }
            return desired;
        }

        /**
         * The JSON of {@code file} once it parses as a reference profile with {@code
         * numericWidth} features (the model's numeric input values); warns when it was made with
         * a model other than {@code sha256}.
         */
        static String readProfile(Path file, int numericWidth, String sha256) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--profile " + file + " does not exist");
            }
            String json = Files.readString(file);
            ReferenceProfile parsed;
            try {
                parsed = ReferenceProfile.fromJson(json);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--profile " + file + ": " + e.getMessage(), e);
            }
            if (parsed.featureCount() != numericWidth) {
                throw new IllegalArgumentException(
                        "--profile " + file + " has " + parsed.featureCount()
                                + " features, the model takes " + numericWidth
                                + " numeric input values");
            }
            if (parsed.modelSha256() != null && !parsed.modelSha256().equals(sha256)) {
                System.err.println(
                        "warning: --profile " + file + " was made with model sha256 "
                                + parsed.modelSha256() + ", pushing " + sha256
                                + "; its score distribution may not match");
            }
            return json;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Serves an earlier version again (its DEPLOY record's descriptor, under a new generation).")
    static final class Rollback extends Writing implements Callable<Integer> {

        @Option(names = "--name", required = true)
        String name;

        @Option(names = "--to", required = true, description = "The version to serve.")
        long to;

        @Option(names = "--allow-signature-change",
                description = "Roll back across a change of the model's input contract: to a"
                        + " version whose input name or width differ from the desired one's.")
        boolean allowSignatureChange;

        @Override
        public Integer call() throws Exception {
            try (ModelControlClient client = client()) {
                ControlHistory history = client.history();
                ModelControl target =
                        history.deployOf(name, to)
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "model '" + name + "' has no deployed v" + to
                                                + " to roll back to"));
                if (!allowSignatureChange
                        && refused(history, name, to, target.getInputName(),
                                target.getInputWidth(), "roll back")) {
                    return 1;
                }
                ModelControl record =
                        ControlRecords.reissue(
                                target, ModelAction.ROLLBACK, history.nextGeneration(name), user());
                record.setAllowSignatureChange(allowSignatureChange);
                return send(record, client, ModelState.ACTIVE);
            }
        }
    }

    @Command(name = "retire", mixinStandardHelpOptions = true,
            description = "Stops serving a model; its events go to dead letters (UNKNOWN_MODEL).")
    static final class Retire extends Writing implements Callable<Integer> {

        @Option(names = "--name", required = true)
        String name;

        @Override
        public Integer call() throws Exception {
            try (ModelControlClient client = client()) {
                ControlHistory history = client.history();
                ModelControl current =
                        history.desired(name)
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "model '" + name + "' was never deployed"));
                // Name the version being served (the desired one may have been rejected).
                long serving =
                        client.latestStatuses().getOrDefault(name, Map.of()).values().stream()
                                .filter(s -> s.getState() == ModelState.ACTIVE)
                                .mapToLong(ModelStatus::getVersion)
                                .max()
                                .orElse(current.getVersion());
                ModelControl record =
                        ControlRecords.reissue(
                                current, ModelAction.RETIRE, history.nextGeneration(name), user());
                record.setVersion(serving);
                return send(record, client, ModelState.RETIRED);
            }
        }
    }

    /**
     * A command that ends the rollout in progress of a model with a record {@link #decide} writes,
     * and waits for the outcome.
     */
    abstract static class Deciding extends Writing implements Callable<Integer> {

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Option(names = "--issued-by", description = "Who decides (default: the OS user).")
        String issuedBy = user();

        /** The record that ends the rollout of {@code desired}, as generation {@code next}. */
        abstract ModelControl decide(ModelControl desired, long next, Instant now);

        @Override
        public Integer call() throws Exception {
            try (ModelControlClient client = client()) {
                ControlHistory history = client.history();
                Optional<ModelControl> desired = history.desired(name);
                if (desired.isEmpty()) {
                    System.err.println("error: model '" + name + "' was never pushed");
                    return 1;
                }
                if (!Rollouts.inProgress(desired.get())) {
                    System.err.println("error: model '" + name + "' has no rollout in progress ("
                            + describe(desired.get()) + ")");
                    return 1;
                }
                return send(decide(desired.get(), history.nextGeneration(name), Instant.now()),
                        client, ModelState.ACTIVE);
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Ends a model's rollout with its candidate as the only version: a DEPLOY"
                    + " of the candidate, under a new generation; waits until every subtask"
                    + " serves it.")
    static final class Promote extends Deciding {

        @Override
        ModelControl decide(ModelControl desired, long next, Instant now) {
            return Rollouts.promote(desired, next, now, issuedBy, "promoted by " + issuedBy);
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Ends a model's rollout without its candidate: the stable version alone,"
                    + " under a new generation; waits until every subtask serves it.")
    static final class Abort extends Deciding {

        @Option(names = "--reason", paramLabel = "TEXT",
                description = "Why, kept in the record's note.")
        String reason;

        @Override
        ModelControl decide(ModelControl desired, long next, Instant now) {
            return Rollouts.abort(desired, next, now, issuedBy,
                    "aborted by " + issuedBy + (reason != null ? ": " + reason : ""));
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "What each model should serve, what every subtask reported, and the"
                    + " rollout in progress with the latest report of the job's rollout judge.")
    static final class Status implements Callable<Integer> {

        @Mixin
        ControlConnection control;

        @Option(names = "--name", description = "Only this model.")
        String name;

        @Option(names = "--rollouts-topic", defaultValue = Topics.MODEL_ROLLOUTS,
                description = "Topic of the rollout judge's reports (default: ${DEFAULT-VALUE}).")
        String rolloutsTopic;

        @Override
        public Integer call() throws Exception {
            try (ModelControlClient client = control.client()) {
                ControlHistory history = client.history();
                Map<String, Map<Integer, ModelStatus>> statuses = client.latestStatuses();
                Map<String, Map<Integer, ModelStatus>> candidates = client.latestStatuses(true);
                Map<String, RolloutReport> reports;
                String noReports = null;
                try {
                    reports = client.latestRolloutReports(rolloutsTopic);
                } catch (ModelControlClient.MissingTopicException e) {
                    reports = Map.of();
                    noReports = "no rollout reports: " + e.getMessage();
                }
                boolean any = false;
                for (String model : history.models()) {
                    if (name != null && !name.equals(model)) {
                        continue;
                    }
                    any = true;
                    ModelControl desired = history.desired(model).orElseThrow();
                    System.out.printf(
                            "%s: desired %s v%d (generation %d, %s, by %s at %s%s)%n",
                            model, desired.getAction(), desired.getVersion(),
                            desired.getGeneration(), desired.getPrecision(),
                            desired.getIssuedBy(), desired.getIssuedAt(),
                            desired.getAllowSignatureChange() ? ", signature change allowed" : "");
                    if (Rollouts.inProgress(desired)) {
                        System.out.println("  rollout: " + Rollouts.label(desired) + "; "
                                + RolloutText.guardrails(desired.getCandidate()));
                    }
                    if (desired.getNote() != null) {
                        System.out.println("  note: " + desired.getNote());
                    }
                    for (ModelStatus s : statuses.getOrDefault(model, Map.of()).values()) {
                        System.out.println("  " + line(s));
                    }
                    Map<Integer, ModelStatus> candidate = candidates.getOrDefault(model, Map.of());
                    if (!candidate.isEmpty()) {
                        System.out.println("  candidate:");
                        candidate.values().forEach(s -> System.out.println("    " + line(s)));
                    }
                    RolloutReport report = reports.get(model);
                    if (report != null) {
                        RolloutText.report(report).forEach(l -> System.out.println("  " + l));
                    }
                }
                if (noReports != null && any) {
                    System.out.println(noReports);
                }
                if (!any) {
                    System.out.println(name == null ? "no model was ever pushed"
                            : "model '" + name + "' was never pushed");
                    return name == null ? 0 : 1;
                }
                return 0;
            }
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "Every version of a model ever pushed, with its sha256, who pushed it and"
                    + " when, read from the control topic's VERSION records (which compaction"
                    + " keeps), and which one is desired now.")
    static final class History implements Callable<Integer> {

        @Mixin
        ControlConnection control;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Override
        public Integer call() throws Exception {
            try (ModelControlClient client = control.client()) {
                ControlHistory history = client.history();
                Map<Long, ModelControl> versions = history.versions(name);
                if (versions.isEmpty()) {
                    System.err.println("error: model '" + name + "' was never pushed");
                    return 1;
                }
                Optional<ModelControl> desired = history.desired(name);
                System.out.printf("%-8s %-64s %-20s %-24s %s%n",
                        "VERSION", "SHA256", "PUSHED BY", "AT", "NOW");
                for (ModelControl v : versions.values()) {
                    System.out.printf("%-8s %-64s %-20s %-24s %s%n",
                            "v" + v.getVersion(), v.getSha256(), v.getIssuedBy(),
                            v.getIssuedAt(), now(desired.orElse(null), v.getVersion()));
                }
                desired.ifPresent(d -> System.out.println(describe(d)
                        + (d.getNote() == null ? "" : " (" + d.getNote() + ")")));
                return 0;
            }
        }

        private static String now(ModelControl desired, long version) {
            if (desired == null) {
                return "";
            }
            if (desired.getAction() == ModelAction.RETIRE) {
                return desired.getVersion() == version ? "retired" : "";
            }
            if (desired.getVersion() == version) {
                return Rollouts.inProgress(desired) ? "stable" : "serving";
            }
            if (Rollouts.inProgress(desired)
                    && desired.getCandidate().getVersion() == version) {
                return role(desired.getCandidate().getMode());
            }
            return "";
        }
    }

    /**
     * Whether writing a record of {@code model} v{@code version} with this input would change the
     * input its desired record declares; if so, says so on standard error ({@code verb} is what
     * the user would do again with {@code --allow-signature-change}).
     */
    static boolean refused(
            ControlHistory history,
            String model,
            long version,
            String inputName,
            int inputWidth,
            String verb) {
        return history.inputChange(model, version, inputName, inputWidth)
                .map(change -> {
                    System.err.println(
                            "error: " + change + "; " + verb + " with --allow-signature-change"
                                    + " to change the model's input on purpose");
                    return true;
                })
                .orElse(false);
    }

    /** {@code desired: v3, generation 5}: the desired record, for messages. */
    static String describe(ModelControl desired) {
        return "desired: " + (desired.getAction() == ModelAction.RETIRE ? "retired " : "")
                + "v" + desired.getVersion() + ", generation " + desired.getGeneration();
    }

    /** {@code canary}, {@code shadow}. */
    static String role(RolloutMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    static String user() {
        return System.getProperty("user.name", "unknown");
    }

    static String line(ModelStatus s) {
        if (s.getSubtask() < 0) {
            // The control gate's answer: the record was refused before any subtask saw it.
            return String.format("control gate: %-8s v%d gen %d%s", s.getState(), s.getVersion(),
                    s.getGeneration(), s.getReason() == null ? "" : " — " + s.getReason());
        }
        return String.format(
                "subtask %d/%d: %-8s %sv%d gen %d%s%s%s",
                s.getSubtask() + 1, s.getParallelism(), s.getState(),
                s.getRole() == null ? "" : role(s.getRole()) + " ", s.getVersion(),
                s.getGeneration(),
                s.getLoadMs() > 0 ? " load " + s.getLoadMs() + " ms" : "",
                s.getExecutionProvider() == null ? "" : " on " + s.getExecutionProvider(),
                s.getReason() == null ? "" : " — " + s.getReason());
    }
}
