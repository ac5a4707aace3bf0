package io.inferflow.jobs;

import io.inferflow.model.LoaderPolicy;

import io.inferflow.schemas.Topics;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Options of the job's Kafka and registry I/O. Every option is listed in docs/reference/configuration.md. */
public final class JobOptions {

    /** Where the Kafka source starts when the consumer group has no committed offsets. */
    public enum StartingOffsets {
        /** Committed offsets of the group, or the earliest offset when there are none. */
        COMMITTED_OR_EARLIEST,
        /** Committed offsets of the group, or the latest offset when there are none. */
        COMMITTED_OR_LATEST,
        EARLIEST,
        LATEST
    }

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka brokers to read features from and write results to.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("kafka.group-id")
                    .stringType()
                    .defaultValue("inferflow")
                    .withDescription(
                            "Consumer group of the features source; offsets are committed on"
                                    + " checkpoints (Flink's checkpoint state is what counts).");

    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS =
            ConfigOptions.key("kafka.starting-offsets")
                    .enumType(StartingOffsets.class)
                    .defaultValue(StartingOffsets.COMMITTED_OR_EARLIEST)
                    .withDescription("Where a job without state starts reading the features topic.");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            ConfigOptions.key("delivery.mode")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
                    .withFallbackKeys("kafka.sink.delivery-guarantee")
                    .withDescription(
                            "exactly-once writes predictions and dead letters in Kafka"
                                    + " transactions committed on checkpoints: read_committed"
                                    + " consumers see each prediction once, a checkpoint"
                                    + " interval after it was scored. at-least-once writes each"
                                    + " prediction at once (visible within the batch delay) and"
                                    + " may repeat predictions after a failure: consumers"
                                    + " deduplicate on event_id. Formerly"
                                    + " kafka.sink.delivery-guarantee, still read.");

    public static final ConfigOption<TransactionNamingStrategy> TRANSACTION_NAMING =
            ConfigOptions.key("kafka.sink.transaction-naming")
                    .enumType(TransactionNamingStrategy.class)
                    .defaultValue(TransactionNamingStrategy.POOLING)
                    .withDescription(
                            "How the exactly-once sinks name their Kafka transactions. POOLING"
                                    + " reuses a small pool of transactional ids, so short"
                                    + " checkpoint intervals leave a bounded number of ids on"
                                    + " the brokers; INCREMENTING (the connector's default) uses"
                                    + " a new id per checkpoint. A job may switch from"
                                    + " INCREMENTING to POOLING on restore, not back.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("kafka.sink.transactional-id-prefix")
                    .stringType()
                    .defaultValue("inferflow")
                    .withDescription(
                            "Prefix of the sinks' Kafka transactional ids. Must be unique per"
                                    + " job writing to the same cluster.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("kafka.sink.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Producer transaction.timeout.ms. Must not exceed the broker's"
                                    + " transaction.max.timeout.ms (15 min by default) and must"
                                    + " exceed checkpoint interval plus the longest expected"
                                    + " downtime.");

    public static final ConfigOption<String> REGISTRY_URL =
            ConfigOptions.key("registry.url")
                    .stringType()
                    .defaultValue("http://localhost:8085")
                    .withDescription("Base URL of the Confluent-compatible Schema Registry.");

    public static final ConfigOption<String> FEATURES_TOPIC =
            ConfigOptions.key("topics.features")
                    .stringType()
                    .defaultValue(Topics.FEATURES)
                    .withDescription("Topic of FeatureEvent records, keyed by entity id.");

    public static final ConfigOption<String> PREDICTIONS_TOPIC =
            ConfigOptions.key("topics.predictions")
                    .stringType()
                    .defaultValue(Topics.PREDICTIONS)
                    .withDescription("Topic of Prediction records, keyed by entity id.");

    public static final ConfigOption<String> DEAD_LETTERS_TOPIC =
            ConfigOptions.key("topics.dead-letters")
                    .stringType()
                    .defaultValue(Topics.DEAD_LETTERS)
                    .withDescription("Topic of DeadLetter records, keyed by the original key.");

    public static final ConfigOption<String> MODEL_CONTROL_TOPIC =
            ConfigOptions.key("topics.model-control")
                    .stringType()
                    .defaultValue(Topics.MODEL_CONTROL)
                    .withDescription(
                            "Compacted topic of ModelControl records, keyed by model name: the"
                                    + " history of deployments. Read from the start by every job.");

    public static final ConfigOption<String> LABELS_TOPIC =
            ConfigOptions.key("topics.labels")
                    .stringType()
                    .defaultValue(Topics.LABELS)
                    .withDescription(
                            "Topic of Label records (event_id, label), read while labels.enabled"
                                    + " is true.");

    public static final ConfigOption<String> DRIFT_TOPIC =
            ConfigOptions.key("topics.drift")
                    .stringType()
                    .defaultValue(Topics.DRIFT)
                    .withDescription(
                            "Topic of DriftReport records, keyed by model name: one per closed"
                                    + " drift window per model version with a reference profile."
                                    + " Needed while drift.enabled is true.");

    public static final ConfigOption<String> DRIFT_COUNTS_TOPIC =
            ConfigOptions.key("topics.drift-counts")
                    .stringType()
                    .defaultValue(Topics.DRIFT_COUNTS)
                    .withDescription(
                            "Topic of DriftCounts records: the inference job's bin counts, written"
                                    + " exactly once with the predictions they count and read by"
                                    + " the evaluation job, which merges them into drift windows."
                                    + " Needed while drift.enabled is true.");

    public static final ConfigOption<String> MODEL_STATUS_TOPIC =
            ConfigOptions.key("topics.model-status")
                    .stringType()
                    .defaultValue(Topics.MODEL_STATUS)
                    .withDescription(
                            "Topic of ModelStatus records: what each subtask did with a control"
                                    + " record (LOADED, ACTIVE, REJECTED with the reason, RETIRED).");

    public static final ConfigOption<String> PREDICTIONS_SHADOW_TOPIC =
            ConfigOptions.key("topics.predictions-shadow")
                    .stringType()
                    .defaultValue(Topics.PREDICTIONS_SHADOW)
                    .withDescription(
                            "Topic of the Prediction records of shadow candidates (pushed with"
                                    + " --shadow), keyed by entity id, exactly once like"
                                    + " predictions; downstream readers of predictions never see"
                                    + " them.");

    public static final ConfigOption<String> MODEL_ROLLOUTS_TOPIC =
            ConfigOptions.key("topics.model-rollouts")
                    .stringType()
                    .defaultValue(Topics.MODEL_ROLLOUTS)
                    .withDescription(
                            "Topic of RolloutReport records, keyed by model name: the comparison"
                                    + " of each canary or shadow candidate with the stable"
                                    + " version, and the judge's decisions (PROMOTED, ABORTED).");

    public static final ConfigOption<List<String>> ALLOWED_URI_ROOTS =
            ConfigOptions.key("model.allowed-uri-roots")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "URI prefixes models may be loaded from, separated by ';', e.g."
                                    + " 'file:///models/;https://models.example.com/store/'."
                                    + " Anything outside them is rejected (URI_NOT_ALLOWED).");

    public static final ConfigOption<MemorySize> MAX_MODEL_SIZE =
            ConfigOptions.key("model.max-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(512))
                    .withDescription("Largest model file accepted (TOO_LARGE above it).");

    public static final ConfigOption<Boolean> REQUIRE_SIGNATURES =
            ConfigOptions.key("model.require-signatures")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Reject models without an Ed25519 signature over (name, version,"
                                    + " sha256) by a trusted key. A signature that is present is"
                                    + " always checked.");

    public static final ConfigOption<List<String>> TRUSTED_KEYS =
            ConfigOptions.key("model.trusted-keys")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Public keys whose signatures are trusted, separated by ';': each"
                                    + " KEY_ID=BASE64 (as printed by 'pipeline keys generate') or"
                                    + " the path of a .pub file.");

    public static final ConfigOption<List<String>> REVOKED_KEYS =
            ConfigOptions.key("model.revoked-keys")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Key ids never trusted, separated by ';', even when"
                                    + " model.trusted-keys or the keys file lists them: records"
                                    + " they sign are REJECTED (REVOKED_CONTROL_KEY).");

    public static final ConfigOption<String> TRUSTED_KEYS_FILE =
            ConfigOptions.key("model.trusted-keys-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A file of more trusted keys (KEY_ID=BASE64 lines) and revocations"
                                    + " ('revoke KEY_ID' lines), read again within a second of"
                                    + " every change: keys rotate and are revoked without a"
                                    + " restart. Must exist on every TaskManager (a mounted"
                                    + " ConfigMap or Secret on Kubernetes).");

    public static final ConfigOption<String> DECISION_KEY =
            ConfigOptions.key("model.control.decision-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Private key file (with its .pub beside it) that the rollout judge"
                                    + " signs its promote and abort records with. Its key may only"
                                    + " sign those: a DEPLOY, with a note, of a version already"
                                    + " pushed, unless model.trusted-keys trusts it fully. Without"
                                    + " it, and with model.require-signatures, the judge's"
                                    + " automatic decisions are refused (UNSIGNED_CONTROL) and"
                                    + " rollouts end by 'pipeline model promote' or 'abort'.");

    public static final ConfigOption<Duration> MODEL_FETCH_TIMEOUT =
            ConfigOptions.key("model.fetch-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("Timeout of fetching a model over HTTP(S).");

    public static final ConfigOption<Duration> REGISTRY_UNAVAILABLE_WAIT =
            ConfigOptions.key("registry.unavailable-wait")
                    .durationType()
                    .defaultValue(io.inferflow.operators.decode.DecodeFunction.DEFAULT_REGISTRY_WAIT)
                    .withDescription(
                            "How long decoding a feature event whose schema id is not cached"
                                    + " waits for an unreachable registry, trying again with"
                                    + " backoff, before the task fails and the job restarts from"
                                    + " its checkpoint. Events of cached schema ids decode"
                                    + " without the registry; no event is dead-lettered for the"
                                    + " registry's fault. Keep it below the checkpoint timeout.");

    public static final ConfigOption<Integer> MODEL_FETCH_ATTEMPTS =
            ConfigOptions.key("model.fetch-attempts")
                    .intType()
                    .defaultValue(LoaderPolicy.DEFAULT_FETCH_ATTEMPTS)
                    .withDescription(
                            "How often a model or profile fetch is tried in all while the store"
                                    + " cannot be reached, times out or answers HTTP 5xx or 429;"
                                    + " a missing file or another 4xx fails at once. After the"
                                    + " last attempt the version is REJECTED (FETCH_FAILED) and"
                                    + " the serving one keeps serving.");

    public static final ConfigOption<Duration> MODEL_FETCH_BACKOFF =
            ConfigOptions.key("model.fetch-backoff")
                    .durationType()
                    .defaultValue(LoaderPolicy.DEFAULT_FETCH_BACKOFF)
                    .withDescription(
                            "The wait before the second fetch attempt, doubled before each later"
                                    + " one.");

    public static final ConfigOption<Boolean> BOOTSTRAP_FROM_CONTROL_TOPIC =
            ConfigOptions.key("model.bootstrap-from-control-topic")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "When the job graph is built, read the control topic and load each"
                                    + " model's desired version in open(), before the first event."
                                    + " Without it, on a first start (no checkpoint) events that"
                                    + " arrive before their model's control record are"
                                    + " dead-lettered as UNKNOWN_MODEL. Needs the client that"
                                    + " submits the job to reach Kafka; if it cannot, a warning"
                                    + " is logged and the job starts without.");

    public static final ConfigOption<Map<String, String>> KAFKA_PROPERTIES =
            ConfigOptions.key("kafka.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "kafka.properties.<key>: a Kafka client property for every client the"
                                    + " jobs create (security.protocol, sasl.*, ssl.*,"
                                    + " config.providers...).");

    public static final ConfigOption<Map<String, String>> KAFKA_SOURCE_PROPERTIES =
            ConfigOptions.key("kafka.source.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "kafka.source.properties.<key>: overrides kafka.properties for the"
                                    + " sources (features, labels, and the evaluation job's).");

    public static final ConfigOption<Map<String, String>> KAFKA_SINK_PROPERTIES =
            ConfigOptions.key("kafka.sink.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "kafka.sink.properties.<key>: overrides kafka.properties for every"
                                    + " sink, e.g. compression.type.");

    public static final ConfigOption<Map<String, String>> KAFKA_CONTROL_PROPERTIES =
            ConfigOptions.key("kafka.control.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "kafka.control.properties.<key>: overrides kafka.properties for the"
                                    + " control-topic readers.");

    public static final ConfigOption<Map<String, String>> REGISTRY_PROPERTIES =
            ConfigOptions.key("registry.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "registry.properties.<key>: Schema Registry client settings under"
                                    + " Confluent's names (basic.auth.credentials.source,"
                                    + " basic.auth.user.info, bearer.auth.token,"
                                    + " schema.registry.ssl.*).");

    private JobOptions() {}
}
