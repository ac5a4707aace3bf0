package io.inferflow.operators.inference;

import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

import java.util.concurrent.ScheduledFuture;

/**
 * Owns the processing-time timer by which the task thread looks for finished loads (and emits
 * the statuses made in open()) every {@value MicroBatchInferenceOperator#POLL_MILLIS} ms. At
 * most one such timer is armed at a time.
 */
final class LoadPoll {

    private final ProcessingTimeService time;
    private final ProcessingTimeCallback callback;

    private long pollAt = -1;
    private ScheduledFuture<?> timer;

    LoadPoll(ProcessingTimeService time, ProcessingTimeCallback callback) {
        this.time = time;
        this.callback = callback;
    }

    /** Arms the timer unless it is armed already. */
    void schedule() {
        if (pollAt < 0) {
            pollAt = time.getCurrentProcessingTime() + MicroBatchInferenceOperator.POLL_MILLIS;
            timer = time.registerTimer(pollAt, callback);
        }
    }

    /** Called by every processing-time timer: forgets the timer once its time has come. */
    void onTimer(long now) {
        if (pollAt >= 0 && now >= pollAt) {
            pollAt = -1;
            timer = null;
        }
    }

    /** Cancels the armed timer, if any. */
    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
            pollAt = -1;
        }
    }
}
