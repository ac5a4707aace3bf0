package io.inferflow.operators.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The groups and labels of {@link ModelMetrics} and its {@link ModelVersionMetrics}. */
class ModelMetricsTest {

    @Test
    void labelsVersionMetricsWithModelAndVersion() {
        MetricGroup operator = UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
        ModelMetrics model = new ModelMetrics(operator, "fraud", () -> 3L, () -> 32);

        ModelVersionMetrics v3 = model.version(3);
        v3.eventIn();
        v3.deadLetter("WRONG_WIDTH");

        // addGroup returns the group already registered under that key and value.
        Map<String, String> labels =
                operator.addGroup(ModelMetrics.GROUP, "fraud")
                        .addGroup(ModelVersionMetrics.VERSION, "3")
                        .addGroup(ModelVersionMetrics.ERROR_TYPE, "WRONG_WIDTH")
                        .getAllVariables();
        assertEquals("fraud", labels.get("<model>"));
        assertEquals("3", labels.get("<version>"));
        assertEquals("WRONG_WIDTH", labels.get("<error_type>"));
        assertEquals(1, v3.deadLetters("WRONG_WIDTH"));
        assertEquals(0, v3.deadLetters("INFERENCE_FAILED"));
    }

    @Test
    void keepsOneMetricsObjectPerVersion() {
        MetricGroup operator = UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
        ModelMetrics model = new ModelMetrics(operator, "fraud", () -> 3L, () -> 32);

        model.version(3).eventIn();
        model.version(4).eventIn();

        // A rollback to v3 continues its counters rather than registering them again.
        assertSame(model.version(3), model.version(3));
        model.version(3).eventIn();
        assertEquals(2, model.version(3).eventsIn());
        assertEquals(1, model.version(4).eventsIn());
    }

    @Test
    void recordsLatencyOnlyForKnownRecordTimestamps() {
        MetricGroup operator = UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
        ModelVersionMetrics v1 =
                new ModelMetrics(operator, "demo", () -> 1L, () -> 32).version(1);

        v1.predicted(1_000, 990, 900, 950);
        v1.predicted(1_000, 1_000, 800, -1);

        assertEquals(2, v1.predictionsOut());
        assertEquals(2, v1.queueWaitMillis().getCount());
        assertEquals(10, v1.queueWaitMillis().getStatistics().getMax());
        assertEquals(200, v1.eventTimeLatencyMillis().getStatistics().getMax());
        assertEquals(1, v1.recordTimeLatencyMillis().getCount());
        assertEquals(50, v1.recordTimeLatencyMillis().getStatistics().getMax());
    }
}
