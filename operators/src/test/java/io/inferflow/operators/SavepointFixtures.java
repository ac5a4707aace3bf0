package io.inferflow.operators;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.apache.flink.util.function.ThrowingConsumer;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes the committed snapshots of operator state under {@code
 * src/test/resources/snapshots/} (Flink's {@link OperatorSnapshotUtil} format), and sets up
 * harnesses as a cluster runs them: without generic types, so that a Kryo fallback fails.
 */
public final class SavepointFixtures {

    /** Where the fixtures are on the test classpath. */
    public static final String RESOURCE_DIR = "snapshots/";

    private SavepointFixtures() {}

    /** The committed fixture {@code name}. */
    public static OperatorSubtaskState read(String name) throws Exception {
        URL url = SavepointFixtures.class.getClassLoader().getResource(RESOURCE_DIR + name);
        if (url == null) {
            throw new IllegalStateException("no snapshot fixture '" + name + "' under "
                    + RESOURCE_DIR + " on the test classpath; see its README to create it");
        }
        return OperatorSnapshotUtil.readStateHandle(Path.of(url.toURI()).toString());
    }

    /** Writes {@code state} as the fixture {@code name} into {@code dir}. */
    public static Path write(OperatorSubtaskState state, Path dir, String name)
            throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        OperatorSnapshotUtil.writeStateHandle(state, file.toString());
        return file;
    }

    /** Opens {@code harness}, runs {@code steps} on it and returns its snapshot; closes it. */
    public static <H extends AbstractStreamOperatorTestHarness<?>> OperatorSubtaskState
            snapshotAfter(H harness, ThrowingConsumer<H, Exception> steps) throws Exception {
        try (harness) {
            harness.open();
            steps.accept(harness);
            return harness.snapshot(1L, 1L);
        }
    }

    /** {@code harness} restored from {@code state} and opened. */
    public static <H extends AbstractStreamOperatorTestHarness<?>> H restored(
            H harness, OperatorSubtaskState state) throws Exception {
        harness.initializeState(state);
        harness.open();
        return harness;
    }

    /** Turns generic types off in {@code harness}, as {@code pipeline.generic-types: false}. */
    public static <H extends AbstractStreamOperatorTestHarness<?>> H withoutGenericTypes(
            H harness) {
        ((SerializerConfigImpl) harness.getExecutionConfig().getSerializerConfig())
                .setGenericTypes(false);
        return harness;
    }
}
