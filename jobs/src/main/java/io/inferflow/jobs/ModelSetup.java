package io.inferflow.jobs;

import io.inferflow.operators.control.ControlGateRules;
import io.inferflow.jobs.kafka.ClientRole;
import io.inferflow.jobs.kafka.KafkaClients;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.jobs.ModelArg;
import io.inferflow.model.Ed25519;
import io.inferflow.model.Hashes;
import io.inferflow.model.LoaderPolicy;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.InferenceOptions;
import io.inferflow.operators.inference.IdentityModelProvider;
import io.inferflow.operators.inference.ModelProvider;
import io.inferflow.operators.inference.SharedModelProvider;
import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelPrecision;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the inference operator starts with: the models it serves before the control stream says
 * otherwise, and the provider that opens model versions on the task managers.
 *
 * <p>{@link #resolve} does the I/O the job graph must not do while it is built: it reads and
 * inspects the files of {@code inference.models} with ONNX Runtime, reads the control topic's
 * history ({@code model.bootstrap-from-control-topic}) and the trusted keys. The job's entry point
 * calls it and hands the result to {@link InferencePipeline#build}; tests pass their own.
 *
 * @param initial the descriptors served from the start (generation 0 or the control topic's)
 * @param provider opens (or, for tests and the identity engine, imitates) model versions
 */
public record ModelSetup(List<ModelControl> initial, ModelProvider provider) {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSetup.class);

    public ModelSetup {
        initial = List.copyOf(initial);
        Objects.requireNonNull(provider, "provider");
    }

    /** The models and provider the configuration names, read from files and the control topic. */
    public static ModelSetup resolve(Configuration conf) {
        List<ModelControl> initial = initialModels(conf);
        return new ModelSetup(initial, provider(conf, initial));
    }

    /** The loader policy of the model options. */
    public static LoaderPolicy policy(Configuration conf) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String entry : conf.get(JobOptions.TRUSTED_KEYS)) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                String id = entry.substring(0, eq).trim();
                String key = entry.substring(eq + 1).trim();
                String actual;
                try {
                    actual = Ed25519.keyId(Ed25519.decodePublic(key));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            JobOptions.TRUSTED_KEYS.key() + ": entry '" + entry + "': "
                                    + e.getMessage(), e);
                }
                if (!actual.equals(id)) {
                    throw new IllegalArgumentException(
                            JobOptions.TRUSTED_KEYS.key() + ": key id '" + id
                                    + "' does not match its key, whose id is '" + actual + "'");
                }
                keys.put(id, key);
            } else {
                try {
                    var key = Ed25519.readPublic(Path.of(entry.trim()));
                    keys.put(Ed25519.keyId(key), Ed25519.encodePublic(key));
                } catch (IOException e) {
                    throw new IllegalArgumentException(
                            JobOptions.TRUSTED_KEYS.key() + ": cannot read public key file '"
                                    + entry + "': " + e.getMessage(), e);
                }
            }
        }
        return LoaderPolicy.builder()
                .allowedUriRoots(conf.get(JobOptions.ALLOWED_URI_ROOTS))
                .maxBytes(conf.get(JobOptions.MAX_MODEL_SIZE).getBytes())
                .requireSignatures(conf.get(JobOptions.REQUIRE_SIGNATURES))
                .trustedKeys(keys)
                .revokedKeys(new java.util.LinkedHashSet<>(conf.get(JobOptions.REVOKED_KEYS)))
                .trustedKeysFile(conf.get(JobOptions.TRUSTED_KEYS_FILE))
                .fetchTimeout(conf.get(JobOptions.MODEL_FETCH_TIMEOUT))
                .fetchRetries(conf.get(JobOptions.MODEL_FETCH_ATTEMPTS),
                        conf.get(JobOptions.MODEL_FETCH_BACKOFF))
                .runtime(RuntimeSettings.withIntraOpThreads(
                                conf.get(InferenceOptions.INTRA_OP_THREADS))
                        .withDevice(
                                conf.get(InferenceOptions.DEVICE),
                                conf.get(InferenceOptions.CUDA_DEVICE_ID)))
                .build();
    }

    /**
     * The control gate's rules: the trusted keys, revocations and keys file of the model options,
     * {@code model.require-signatures}, and the public half of {@code
     * model.control.decision-key} (its {@code .pub} file, read here; the private key is read by
     * the rollout judge on the TaskManager).
     */
    public static ControlGateRules gateRules(Configuration conf) {
        LoaderPolicy policy = policy(conf);
        String decisionId = null;
        String decisionPublic = null;
        String decisionKey = conf.get(JobOptions.DECISION_KEY);
        if (decisionKey != null) {
            Path pub = Path.of(decisionKey.replaceAll("\\.key$", "") + ".pub");
            try {
                var key = Ed25519.readPublic(pub);
                decisionId = Ed25519.keyId(key);
                decisionPublic = Ed25519.encodePublic(key);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        JobOptions.DECISION_KEY.key() + ": cannot read the public key '" + pub
                                + "' beside '" + decisionKey + "': " + e.getMessage(), e);
            }
        }
        return new ControlGateRules(
                policy.keys(), policy.requireSignatures(), decisionId, decisionPublic);
    }

    /**
     * The models of {@code inference.models}, served from the start as generation 0 (any record
     * on the control topic supersedes them). They are verified like pushed models, so with
     * {@code model.require-signatures} on, push signed versions instead.
     */
    public static List<ModelControl> initialModels(Configuration conf) {
        Map<String, ModelControl> byName = new LinkedHashMap<>();
        for (ModelControl m : configuredModels(conf)) {
            byName.put(m.getName(), m);
        }
        if (conf.get(JobOptions.BOOTSTRAP_FROM_CONTROL_TOPIC)) {
            for (ModelControl m : desiredOnControlTopic(conf)) {
                byName.put(m.getName(), m);
            }
        }
        return new ArrayList<>(byName.values());
    }

    /**
     * The desired version of every model on the control topic (RETIREd ones left out), so that
     * a first start serves them before its first event. The control stream repeats these records
     * later; with the same generation they change nothing.
     */
    private static List<ModelControl> desiredOnControlTopic(Configuration conf) {
        String topic = conf.get(JobOptions.MODEL_CONTROL_TOPIC);
        List<ModelControl> out = new ArrayList<>();
        try (ModelControlClient client =
                new ModelControlClient(
                        KafkaClients.of(conf, ClientRole.CONTROL),
                        JobRegistry.settings(conf),
                        topic,
                        conf.get(JobOptions.MODEL_STATUS_TOPIC))) {
            // The gate's rules, applied to the history in topic order: a refused record (an
            // unsigned, altered or replayed one) never becomes a starting model.
            ControlGateRules rules = gateRules(conf);
            Map<String, ModelControl> desiredByModel = new LinkedHashMap<>();
            Map<String, Map<Long, String>> versions = new LinkedHashMap<>();
            for (ModelControl record : client.records()) {
                Map<Long, String> known =
                        versions.computeIfAbsent(record.getName(), k -> new LinkedHashMap<>());
                ControlGateRules.Verdict verdict =
                        rules.check(record, desiredByModel.get(record.getName()), known);
                if (!verdict.accepted()) {
                    if (!verdict.duplicate()) {
                        LOG.warn("control topic '{}': {}", topic, verdict.reason());
                    }
                    continue;
                }
                ControlGateRules.learn(record, known);
                if (record.getAction() != ModelAction.VERSION) {
                    desiredByModel.put(record.getName(), record);
                }
            }
            for (ModelControl desired : desiredByModel.values()) {
                if (desired.getAction() != ModelAction.RETIRE) {
                    out.add(desired);
                }
            }
            LOG.info("control topic '{}': starting with {}", topic, out.stream()
                    .map(m -> m.getName() + " v" + m.getVersion()).toList());
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "cannot read control topic '{}' while building the job ({}); models load"
                            + " when their control records arrive",
                    topic, e.toString());
        }
        return out;
    }

    /** The models of {@code inference.models}, with their {@code inference.model-profiles}. */
    private static List<ModelControl> configuredModels(Configuration conf) {
        List<ModelControl> models = new ArrayList<>();
        Map<String, String> profiles = configuredProfiles(conf);
        for (String entry : conf.getOptional(InferenceOptions.MODELS).orElse(List.of())) {
            ModelArg arg = ModelArg.parse(entry);
            byte[] bytes = read(arg);
            try (OnnxModel model = OnnxModel.load(arg.name(), bytes, RuntimeSettings.defaults())) {
                models.add(
                        ModelControl.newBuilder()
                                .setName(arg.name())
                                .setVersion(arg.version())
                                .setAction(ModelAction.DEPLOY)
                                .setGeneration(0)
                                .setUri(arg.file().toAbsolutePath().toUri().toString())
                                .setSha256(Hashes.sha256Hex(bytes))
                                .setInputName(model.inputName())
                                .setInputWidth(model.inputWidth())
                                .setPrecision(ModelPrecision.FP32)
                                .setIssuedAt(Instant.now())
                                .setIssuedBy("config:" + InferenceOptions.MODELS.key())
                                .setProfile(profile(profiles.remove(arg.name()), arg, model))
                                .build());
            } catch (ModelException e) {
                throw new IllegalArgumentException(
                        InferenceOptions.MODELS.key() + ": " + e.getMessage(), e);
            }
        }
        if (!profiles.isEmpty()) {
            throw new IllegalArgumentException(
                    InferenceOptions.MODEL_PROFILES.key() + " names " + profiles.keySet()
                            + ", which " + InferenceOptions.MODELS.key() + " does not serve");
        }
        return models;
    }

    /** {@code inference.model-profiles} as model name to profile file. */
    private static Map<String, String> configuredProfiles(Configuration conf) {
        Map<String, String> profiles = new LinkedHashMap<>();
        for (String entry : conf.getOptional(InferenceOptions.MODEL_PROFILES).orElse(List.of())) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException(
                        InferenceOptions.MODEL_PROFILES.key() + ": '" + entry
                                + "' is not NAME=PROFILE.json");
            }
            profiles.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return profiles;
    }

    /** The JSON of a configured profile once it parses and fits the model; null for none. */
    private static String profile(String file, ModelArg arg, OnnxModel model) {
        if (file == null) {
            return null;
        }
        String what = InferenceOptions.MODEL_PROFILES.key() + ": model '" + arg.name() + "': ";
        String json;
        try {
            json = Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    what + "cannot read " + file + ": " + e.getMessage(), e);
        }
        ReferenceProfile parsed;
        try {
            parsed = ReferenceProfile.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + file + ": " + e.getMessage(), e);
        }
        int width = model.signature().numericWidth();
        if (parsed.featureCount() != width) {
            throw new IllegalArgumentException(
                    what + file + " has " + parsed.featureCount() + " features, the model takes "
                            + width + (width == model.inputWidth() ? "" : " numeric values"));
        }
        return json;
    }

    private static ModelProvider provider(Configuration conf, List<ModelControl> initial) {
        if (conf.get(InferenceOptions.ENGINE) == InferenceOptions.Engine.IDENTITY) {
            if (initial.isEmpty()) {
                throw new IllegalArgumentException(
                        "inference.engine IDENTITY mimics the first model of "
                                + InferenceOptions.MODELS.key() + ", which is empty");
            }
            ModelArg first = ModelArg.parse(conf.get(InferenceOptions.MODELS).get(0));
            try (OnnxModel model =
                    OnnxModel.load(first.name(), read(first), RuntimeSettings.defaults())) {
                return new IdentityModelProvider(model.inputWidth(), model.outputWidth());
            } catch (ModelException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return new SharedModelProvider(policy(conf));
    }

    private static byte[] read(ModelArg arg) {
        try {
            return Files.readAllBytes(arg.file());
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    InferenceOptions.MODELS.key() + ": model '" + arg.name() + "': cannot read "
                            + arg.file() + ": " + e.getMessage(), e);
        }
    }
}
