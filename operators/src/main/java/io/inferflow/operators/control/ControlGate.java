package io.inferflow.operators.control;

import io.inferflow.schemas.avro.ModelAction;
import io.inferflow.schemas.avro.ModelControl;
import io.inferflow.schemas.avro.ModelState;
import io.inferflow.schemas.avro.ModelStatus;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The control gate: the one place control records enter the job. Keyed by model name, it applies
 * {@link ControlGateRules} to each record of the control topic and passes on only the accepted
 * desired-state records (DEPLOY, ROLLBACK, RETIRE) to the inference operator and the rollout
 * judge. VERSION records only teach it a version's sha256. A refused record becomes a REJECTED
 * {@link ModelStatus} ({@link #REJECTIONS}, subtask -1 of 1, the reason first) on the status
 * topic, and nothing downstream sees it, so the serving version never changes.
 *
 * <p>State per model: the desired record accepted last ({@value #DESIRED_STATE}) and the sha256 of
 * every version seen ({@value #VERSIONS_STATE}), both kept for the job's lifetime (a few hundred
 * bytes per version).
 */
public class ControlGate extends KeyedProcessFunction<String, ModelControl, ModelControl> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ControlGate.class);

    /** The operator's uid in the job. */
    public static final String UID = "control-gate";

    /** State: the model's desired record accepted last. */
    public static final String DESIRED_STATE = "gate-desired";

    /** State: version to sha256, every version of the model seen. */
    public static final String VERSIONS_STATE = "gate-versions";

    /** Statuses of refused records. */
    public static final OutputTag<ModelStatus> REJECTIONS =
            new OutputTag<>("control-rejections", new AvroTypeInfo<>(ModelStatus.class));

    private final ControlGateRules rules;

    private transient ValueState<ModelControl> desired;
    private transient MapState<Long, String> versions;

    public ControlGate(ControlGateRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public void open(OpenContext context) {
        desired = getRuntimeContext().getState(new ValueStateDescriptor<>(
                DESIRED_STATE, new AvroTypeInfo<>(ModelControl.class)));
        versions = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                VERSIONS_STATE, Types.LONG, Types.STRING));
    }

    @Override
    public void processElement(ModelControl record, Context ctx, Collector<ModelControl> out)
            throws Exception {
        ModelControl current = desired.value();
        Map<Long, String> known = new HashMap<>();
        for (Map.Entry<Long, String> e : versions.entries()) {
            known.put(e.getKey(), e.getValue());
        }
        ControlGateRules.Verdict verdict = rules.check(record, current, known);
        switch (verdict.kind()) {
            case DUPLICATE -> LOG.debug("control record {} generation {}: a duplicate",
                    ModelControls.label(record), record.getGeneration());
            case REJECT -> {
                LOG.warn("control record refused: {}", verdict.reason());
                ctx.output(REJECTIONS, rejection(record, verdict.reason(),
                        ctx.timerService().currentProcessingTime()));
            }
            case ACCEPT -> {
                Map<Long, String> learned = new HashMap<>(known);
                ControlGateRules.learn(record, learned);
                for (Map.Entry<Long, String> e : learned.entrySet()) {
                    if (!known.containsKey(e.getKey())) {
                        versions.put(e.getKey(), e.getValue());
                    }
                }
                if (record.getAction() != ModelAction.VERSION) {
                    desired.update(record);
                    out.collect(record);
                }
            }
        }
    }

    /** The REJECTED status of a refused record: subtask -1 of 1, the gate's answer. */
    public static ModelStatus rejection(ModelControl record, String reason, long now) {
        return ModelStatus.newBuilder()
                .setModel(record.getName())
                .setVersion(record.getVersion())
                .setGeneration(record.getGeneration())
                .setSubtask(-1)
                .setParallelism(1)
                .setState(ModelState.REJECTED)
                .setReason(reason)
                .setAt(Instant.ofEpochMilli(now))
                .build();
    }
}
