package io.inferflow.cli.bench;

/**
 * Micro-batched latency on one model without and with a new model version pushed every
 * {@code swapEvery} events, at the same rate.
 */
public record SwapResult(
        String model,
        long swapEvery,
        int pushed,
        double rate,
        LatencySummary without,
        LatencySummary with) {}
