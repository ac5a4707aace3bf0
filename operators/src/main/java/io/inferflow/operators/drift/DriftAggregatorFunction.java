package io.inferflow.operators.drift;

import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import io.inferflow.operators.metrics.DriftMetrics;
import io.inferflow.schemas.avro.DriftCounts;
import io.inferflow.schemas.avro.DriftPendingLabels;
import io.inferflow.schemas.avro.DriftReport;
import io.inferflow.schemas.avro.DriftWindowClose;
import io.inferflow.schemas.avro.LabelOutcome;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Merges the inference subtasks' bin counts of each model version (keyed by {@link #KEY}) into
 * tumbling windows and reports each closed window as a {@link DriftReport}, updating the
 * version's {@link DriftMetrics}.
 *
 * <p>A window opens with the first counts that arrive for a version and closes when it holds
 * {@link DriftSettings#windowEvents()} events (counted over all subtasks; it may overshoot by one
 * subtask's share), or {@link DriftSettings#windowTime()} after it opened (processing time) if it
 * has {@link DriftSettings#minEvents()} by then; a smaller window stays open. Counts made against
 * another profile of the same version close the window early ({@code PROFILE_CHANGE}).
 *
 * <p>Its second input are {@link LabelOutcome}s of the labels join ({@code labels.enabled}): a
 * label joined while a window of its version is open counts in that window's accuracy,
 * log-loss and absolute error (labels that come before the version's first window wait for it).
 *
 * <p>The open window, the labels waiting for a window ({@link DriftPendingLabels}), the number of
 * windows closed so far and the version's profile JSON (sent once per counter, kept by sha256:
 * {@link ReceivedProfiles}) are keyed state (Avro records, longs and strings, so the state can
 * evolve; docs/reference/state.md);
 * the subtasks send their counts before every checkpoint barrier, so on restore each event is
 * counted once. Reports go to an at-least-once sink: after a failure a window may be
 * reported again under the same number, possibly with slightly different counts; readers keep the
 * last report per model, version and window.
 */
public class DriftAggregatorFunction
        extends KeyedCoProcessFunction<String, DriftCounts, LabelOutcome, DriftReport> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(DriftAggregatorFunction.class);

    /** Keys counts by model and version. */
    public static final KeySelector<DriftCounts, String> KEY = DriftAggregatorFunction::key;

    /** Keys label outcomes by model and version, as {@link #KEY} does counts. */
    public static final KeySelector<LabelOutcome, String> LABEL_KEY =
            outcome -> outcome.getModel() + '\n' + outcome.getModelVersion();

    private final DriftSettings settings;

    private transient ValueState<DriftCounts> window;
    private transient ValueState<Long> closedWindows;
    private transient ValueState<Long> deadline;
    private transient ValueState<DriftPendingLabels> pendingLabels;
    private transient ReceivedProfiles profiles;
    private transient Map<String, DriftMetrics> metrics;

    public DriftAggregatorFunction(DriftSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void open(OpenContext context) {
        window =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "drift-window", new AvroTypeInfo<>(DriftCounts.class)));
        closedWindows =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("drift-windows-closed", Types.LONG));
        deadline =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("drift-deadline", Types.LONG));
        pendingLabels =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "drift-pending-labels",
                                        new AvroTypeInfo<>(DriftPendingLabels.class)));
        profiles =
                new ReceivedProfiles(
                        getRuntimeContext()
                                .getMapState(
                                        new MapStateDescriptor<>(
                                                "drift-profiles", Types.STRING, Types.STRING)));
        metrics = new HashMap<>();
    }

    @Override
    public void processElement1(DriftCounts partial, Context ctx, Collector<DriftReport> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        DriftCounts current = window.value();
        profiles.remember(partial, current);
        if (current != null
                && !current.getProfileSha256().equals(partial.getProfileSha256())) {
            close(current, DriftWindowClose.PROFILE_CHANGE, ctx, out, now);
            current = null;
        }
        if (current == null) {
            current = DriftReports.copy(partial);
            current.setProfile(null);
            DriftPendingLabels pending = pendingLabels.value();
            if (pending != null) {
                current.setLabeled(current.getLabeled() + pending.getLabeled());
                current.setCorrect(current.getCorrect() + pending.getCorrect());
                current.setLogLossSum(current.getLogLossSum() + pending.getLogLossSum());
                current.setAbsoluteErrorSum(
                        current.getAbsoluteErrorSum() + pending.getAbsoluteErrorSum());
                pendingLabels.clear();
            }
            if (!settings.windowTime().isZero()) {
                long at = now + settings.windowTime().toMillis();
                deadline.update(at);
                ctx.timerService().registerProcessingTimeTimer(at);
            }
        } else {
            DriftReports.merge(current, partial);
        }
        if (settings.windowEvents() > 0 && current.getEvents() >= settings.windowEvents()) {
            close(current, DriftWindowClose.EVENTS, ctx, out, now);
        } else {
            window.update(current);
        }
    }

    /**
     * A label of this version met its prediction: it counts in the open window, or in the next
     * one to open.
     */
    @Override
    public void processElement2(LabelOutcome outcome, Context ctx, Collector<DriftReport> out)
            throws Exception {
        DriftCounts current = window.value();
        if (current != null) {
            current.setLabeled(current.getLabeled() + 1);
            current.setCorrect(current.getCorrect() + (outcome.getCorrect() ? 1 : 0));
            current.setLogLossSum(current.getLogLossSum() + outcome.getLogLoss());
            current.setAbsoluteErrorSum(
                    current.getAbsoluteErrorSum() + outcome.getAbsoluteError());
            window.update(current);
            return;
        }
        DriftPendingLabels pending = pendingLabels.value();
        if (pending == null) {
            pending = new DriftPendingLabels(0L, 0L, 0.0, 0.0);
        }
        pending.setLabeled(pending.getLabeled() + 1);
        pending.setCorrect(pending.getCorrect() + (outcome.getCorrect() ? 1 : 0));
        pending.setLogLossSum(pending.getLogLossSum() + outcome.getLogLoss());
        pending.setAbsoluteErrorSum(pending.getAbsoluteErrorSum() + outcome.getAbsoluteError());
        pendingLabels.update(pending);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<DriftReport> out)
            throws Exception {
        Long due = deadline.value();
        if (due == null || due != timestamp) {
            return; // the window it was set for closed by count
        }
        DriftCounts current = window.value();
        if (current != null && current.getEvents() >= settings.minEvents()) {
            close(current, DriftWindowClose.TIME, ctx, out, timestamp);
        } else {
            long at = timestamp + settings.windowTime().toMillis();
            deadline.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    private void close(
            DriftCounts current,
            DriftWindowClose closedBy,
            Context ctx,
            Collector<DriftReport> out,
            long now)
            throws Exception {
        window.clear();
        Long due = deadline.value();
        if (due != null) {
            ctx.timerService().deleteProcessingTimeTimer(due);
            deadline.clear();
        }
        ReferenceProfile profile = profiles.of(current);
        if (profile == null) {
            return;
        }
        Long closed = closedWindows.value();
        long number = (closed == null ? 0 : closed) + 1;
        closedWindows.update(number);
        DriftReport report =
                DriftReports.report(
                        current, profile, number, closedBy, settings.thresholds(), now);
        out.collect(report);
        metricsOf(current, profile).update(report);
        LOG.debug("drift window {} of model '{}' v{}: {} events, max PSI {} ({}), {} drifted",
                number, report.getModel(), report.getModelVersion(), report.getEvents(),
                report.getMaxPsi(), report.getMaxPsiFeature(), report.getDriftedFeatures());
    }

    private DriftMetrics metricsOf(DriftCounts counts, ReferenceProfile profile) {
        String key = key(counts);
        DriftMetrics existing = metrics.get(key);
        if (existing != null) {
            return existing;
        }
        List<String> gauged =
                profile.features().stream()
                        .limit(settings.maxFeatureGauges())
                        .map(FeatureProfile::name)
                        .toList();
        DriftMetrics created =
                new DriftMetrics(
                        getRuntimeContext().getMetricGroup(),
                        counts.getModel(),
                        counts.getModelVersion(),
                        gauged);
        metrics.put(key, created);
        return created;
    }

    /** The key of a model version's counts. */
    public static String key(DriftCounts counts) {
        return counts.getModel() + '\n' + counts.getModelVersion();
    }

    /** For tests: the metrics of a version once its first window closed on this subtask. */
    DriftMetrics metrics(String model, long version) {
        return metrics.get(model + '\n' + version);
    }
}
