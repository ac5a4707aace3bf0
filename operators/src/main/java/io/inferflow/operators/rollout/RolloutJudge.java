package io.inferflow.operators.rollout;

import io.inferflow.operators.control.Rollouts;
import io.inferflow.schemas.avro.ModelCandidate;
import io.inferflow.operators.control.ControlSignatures;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.RolloutCounts;
import io.inferflow.schemas.avro.RolloutDecision;
import io.inferflow.schemas.avro.RolloutReport;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compares each rollout's candidate with its stable version over every inference subtask and
 * decides its end when the guardrails pushed with it say so. Keyed by model name: input 1 is the
 * subtasks' {@link RolloutCounts}, input 2 the control records (the desired rollout).
 *
 * <p>Counts of the desired record's generation are merged; guardrails are judged at each arrival
 * once the candidate has tried {@code min_events} events: a failure rate above {@code
 * max_failure_rate} or a score PSI above {@code max_score_psi} aborts it; {@code
 * auto_promote_after} events within them promote it. A decision is a control record ({@link
 * #DECISIONS}, written to the control topic, issued by {@value #ISSUER}, its reason in {@code
 * note}) with the next generation: it reaches every subtask through the control topic like any
 * push, so the outcome is the same everywhere and after a restore. If an operator's record with
 * the same generation wins the race, the judge's is ignored like any duplicate generation.
 *
 * <p>A {@link RolloutReport} goes out every report interval while a rollout runs, at each
 * decision, and when a control record ends the rollout (a promote or abort by hand).
 */
public class RolloutJudge
        extends KeyedCoProcessFunction<String, RolloutCounts, ModelControl, RolloutReport> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(RolloutJudge.class);

    /** Who the judge's control records say issued them. */
    public static final String ISSUER = "inferflow-judge";

    /** The judge's promote and abort records, for the control topic. */
    public static final OutputTag<ModelControl> DECISIONS =
            new OutputTag<>("rollout-decisions", new AvroTypeInfo<>(ModelControl.class));

    private final long reportIntervalMillis;

    private transient ValueState<ModelControl> desired;
    private transient ValueState<RolloutCounts> totals;
    private transient ValueState<RolloutReport> decided;
    private transient ListState<RolloutCounts> early;
    private transient ValueState<Long> nextReport;
    /** The latest report per model on this subtask, which the rollout gauges read. */
    private transient Map<String, RolloutReport> latest;

    /** The private key file that signs the decisions ({@code model.control.decision-key}). */
    private String decisionKey;

    private transient ControlSignatures.Signer signer;

    /**
     * Signs each decision with the private key in {@code privateKeyFile} (its {@code .pub}
     * beside it), read on the TaskManager when the judge opens, so the key is never part of the
     * job graph; null leaves decisions unsigned. Call before the job is built.
     */
    public RolloutJudge signingWith(String privateKeyFile) {
        this.decisionKey = privateKeyFile;
        return this;
    }

    public RolloutJudge(Duration reportInterval) {
        if (reportInterval.isNegative() || reportInterval.isZero()) {
            throw new IllegalArgumentException(
                    "rollout report interval must be positive, got " + reportInterval);
        }
        this.reportIntervalMillis = reportInterval.toMillis();
    }

    @Override
    public void open(OpenContext context) throws java.io.IOException {
        signer = decisionKey == null ? null
                : ControlSignatures.Signer.read(java.nio.file.Path.of(decisionKey));
        desired = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "desired", new AvroTypeInfo<>(ModelControl.class)));
        totals = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "totals", new AvroTypeInfo<>(RolloutCounts.class)));
        decided = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "decided", new AvroTypeInfo<>(RolloutReport.class)));
        early = getRuntimeContext().getListState(new ListStateDescriptor<>(
                "early-counts", new AvroTypeInfo<>(RolloutCounts.class)));
        nextReport = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "next-report", org.apache.flink.api.common.typeinfo.Types.LONG));
        latest = new ConcurrentHashMap<>();
    }

    /** Emits the report and keeps it for the model's rollout gauges. */
    private void emit(RolloutReport report, Collector<RolloutReport> out) {
        if (latest.put(report.getModel(), report) == null) {
            RolloutMetrics.register(getRuntimeContext().getMetricGroup(), report.getModel(),
                    () -> latest.get(report.getModel()));
        }
        out.collect(report);
    }

    @Override
    public void processElement1(RolloutCounts counts, Context ctx, Collector<RolloutReport> out)
            throws Exception {
        ModelControl d = desired.value();
        if (d == null || counts.getGeneration() > d.getGeneration()) {
            // The control record that started it has not reached the judge yet.
            early.add(counts);
            return;
        }
        count(d, counts, ctx, out);
    }

    private void count(ModelControl d, RolloutCounts counts, Context ctx,
            Collector<RolloutReport> out) throws Exception {
        if (counts.getGeneration() != d.getGeneration()
                || !Rollouts.inProgress(d)
                || counts.getCandidateVersion() != d.getCandidate().getVersion()
                || decided.value() != null) {
            return;
        }
        RolloutCounts merged = RolloutStatistics.merge(totals.value(), counts);
        totals.update(merged);
        judge(d, merged, ctx, out);
        if (decided.value() == null && nextReport.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + reportIntervalMillis;
            ctx.timerService().registerProcessingTimeTimer(at);
            nextReport.update(at);
        }
    }

    @Override
    public void processElement2(ModelControl control, Context ctx, Collector<RolloutReport> out)
            throws Exception {
        ModelControl previous = desired.value();
        if (control.getAction() == io.inferflow.schemas.avro.ModelAction.VERSION
                || previous != null && control.getGeneration() <= previous.getGeneration()) {
            return;
        }
        RolloutCounts previousTotals = totals.value();
        if (Rollouts.inProgress(previous) && decided.value() == null && previousTotals != null) {
            // Ended by a record the judge did not write: report how it ended.
            boolean promoted = control.getVersion() == previous.getCandidate().getVersion()
                    && !Rollouts.inProgress(control);
            emit(report(previous, previousTotals,
                    promoted ? RolloutDecision.PROMOTED : RolloutDecision.ABORTED,
                    control.getNote() != null
                            ? control.getNote()
                            : "replaced by generation " + control.getGeneration(),
                    ctx), out);
        }
        desired.update(control);
        totals.clear();
        decided.clear();
        List<RolloutCounts> later = new ArrayList<>();
        Iterable<RolloutCounts> waiting = early.get();
        List<RolloutCounts> now = new ArrayList<>();
        if (waiting != null) {
            for (RolloutCounts counts : waiting) {
                if (counts.getGeneration() > control.getGeneration()) {
                    later.add(counts);
                } else {
                    now.add(counts);
                }
            }
        }
        early.update(later);
        for (RolloutCounts counts : now) {
            count(control, counts, ctx, out);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RolloutReport> out)
            throws Exception {
        nextReport.clear();
        ModelControl d = desired.value();
        RolloutCounts merged = totals.value();
        if (!Rollouts.inProgress(d) || merged == null || decided.value() != null) {
            return;
        }
        emit(report(d, merged, RolloutDecision.RUNNING, null, ctx), out);
        long at = timestamp + reportIntervalMillis;
        ctx.timerService().registerProcessingTimeTimer(at);
        nextReport.update(at);
    }

    /** Aborts or promotes when the guardrails say so. */
    private void judge(ModelControl d, RolloutCounts merged, Context ctx,
            Collector<RolloutReport> out) throws Exception {
        ModelCandidate c = d.getCandidate();
        long tried = merged.getCandidate().getEvents();
        String abort = null;
        if (tried >= Math.max(1, c.getMinEvents())) {
            double rate = RolloutStatistics.failureRate(merged.getCandidate());
            Double psi = RolloutStatistics.scorePsi(merged);
            if (c.getMaxFailureRate() != null && rate > c.getMaxFailureRate()) {
                abort = String.format(Locale.ROOT, "failure rate %.1f%% > %.1f%% after %d events",
                        100 * rate, 100 * c.getMaxFailureRate(), tried);
            } else if (c.getMaxScorePsi() != null && psi != null && psi > c.getMaxScorePsi()) {
                abort = String.format(Locale.ROOT, "score PSI %.3f > %.3f after %d events",
                        psi, c.getMaxScorePsi(), tried);
            }
        }
        long now = ctx.timerService().currentProcessingTime();
        if (abort != null) {
            String note = "aborted automatically: " + abort;
            decide(Rollouts.abort(d, d.getGeneration() + 1, Instant.ofEpochMilli(now), ISSUER,
                    note), d, merged, RolloutDecision.ABORTED, note, ctx, out);
        } else if (c.getAutoPromoteAfter() > 0 && tried >= c.getAutoPromoteAfter()) {
            String note = String.format(Locale.ROOT,
                    "promoted automatically: within its guardrails after %d events (failure"
                            + " rate %.1f%%)",
                    tried, 100 * RolloutStatistics.failureRate(merged.getCandidate()));
            decide(Rollouts.promote(d, d.getGeneration() + 1, Instant.ofEpochMilli(now), ISSUER,
                    note), d, merged, RolloutDecision.PROMOTED, note, ctx, out);
        }
    }

    private void decide(ModelControl record, ModelControl d, RolloutCounts merged,
            RolloutDecision decision, String note, Context ctx, Collector<RolloutReport> out)
            throws Exception {
        LOG.info("model {} generation {}: {}", Rollouts.label(d), d.getGeneration(), note);
        ctx.output(DECISIONS, signer == null ? record : signer.sign(record));
        RolloutReport report = report(d, merged, decision, note, ctx);
        decided.update(report);
        emit(report, out);
    }

    private static RolloutReport report(ModelControl d, RolloutCounts merged,
            RolloutDecision decision, String reason, Context ctx) {
        ModelCandidate c = d.getCandidate();
        return RolloutReport.newBuilder()
                .setModel(d.getName())
                .setGeneration(d.getGeneration())
                .setMode(c.getMode())
                .setPercent(c.getPercent())
                .setStableVersion(d.getVersion())
                .setCandidateVersion(c.getVersion())
                .setStableEvents(merged.getStable().getEvents())
                .setCandidateEvents(merged.getCandidate().getEvents())
                .setCandidateFailures(merged.getCandidate().getFailures())
                .setCandidateFailureRate(RolloutStatistics.failureRate(merged.getCandidate()))
                .setStableP99Ms(RolloutStatistics.p99Millis(merged.getStable()))
                .setCandidateP99Ms(RolloutStatistics.p99Millis(merged.getCandidate()))
                .setScorePsi(RolloutStatistics.scorePsi(merged))
                .setAgreement(RolloutStatistics.agreement(merged))
                .setDecision(decision)
                .setReason(reason)
                .setAt(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime()))
                .build();
    }
}
