package io.inferflow.cli.bench;

import io.inferflow.jobs.control.ControlRecords;
import io.inferflow.jobs.control.ModelControlClient;
import io.inferflow.model.Hashes;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;
import io.inferflow.schemas.avro.ModelPrecision;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * Pushes a new version of the benchmarked model every N events during a latency phase: each push
 * is a DEPLOY of the same file under the next version, so every subtask fetches, verifies, loads
 * and warms up a new session and swaps to it, as in production.
 */
final class Swapper implements AutoCloseable {

    private final ModelControlClient control;
    private final BenchModel model;
    private final long every;
    private final String sha256;
    private final String inputName;
    private long version = 1;
    private int pushed;

    Swapper(ModelControlClient control, BenchModel model, long every) throws IOException {
        this.control = control;
        this.model = model;
        this.every = every;
        byte[] bytes = Files.readAllBytes(model.file());
        this.sha256 = Hashes.sha256Hex(bytes);
        try (OnnxModel onnx = OnnxModel.load(model.name(), bytes, RuntimeSettings.defaults())) {
            this.inputName = onnx.inputName();
        } catch (ModelException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Called after every measured event; pushes when {@code sent} is a multiple of N. */
    void afterEvent(long sent) throws Exception {
        if (sent % every != 0) {
            return;
        }
        version++;
        control.send(
                ControlRecords.deploy(
                        model.name(), version, version - 1, model.file().toUri().toString(),
                        sha256, inputName, model.width(), ModelPrecision.FP32, null, "bench"),
                Duration.ZERO,
                s -> {});
        pushed++;
    }

    int pushed() {
        return pushed;
    }

    @Override
    public void close() {
        control.close();
    }
}
