package io.inferflow.cli.bench;

import io.inferflow.model.NativeMemory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and peak resident memory of this process over a phase, for the cost of a million
 * predictions. Everything of a bench run lives in this JVM (broker, registry, MiniCluster,
 * producer and reader), so the numbers cover the whole pipeline on one machine, not the job
 * alone. Linux: the peak is {@code VmHWM} of {@code /proc/self/status}, reset at the start of the
 * phase by writing 5 to {@code /proc/self/clear_refs}; elsewhere the peak is not known (-1).
 */
final class ProcessUsage {

    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private final long cpuStartNanos;

    private ProcessUsage(long cpuStartNanos) {
        this.cpuStartNanos = cpuStartNanos;
    }

    /** Starts a phase: notes the CPU time and resets the peak RSS where the OS allows. */
    static ProcessUsage start() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // the peak then covers the process's whole life
        }
        return new ProcessUsage(cpuNanos());
    }

    /** CPU seconds of every thread of this process since {@link #start}. */
    double cpuSeconds() {
        return (cpuNanos() - cpuStartNanos) / 1e9;
    }

    /** The peak resident set since {@link #start}, in bytes; -1 when not known. */
    static long peakRssBytes() {
        return NativeMemory.statusBytes("VmHWM");
    }

    private static long cpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }
}
