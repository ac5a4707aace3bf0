package io.inferflow.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's memory as Linux reports it in {@code /proc/self/status}. */
public final class NativeMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private NativeMemory() {}

    /** Resident bytes of this process ({@code VmRSS}); -1 where {@code /proc} is not there. */
    public static long residentBytes() {
        return statusBytes("VmRSS");
    }

    /**
     * A memory field of {@code /proc/self/status} in bytes, e.g. {@code VmHWM} (the peak
     * resident set); -1 where it is not there.
     */
    public static long statusBytes(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
