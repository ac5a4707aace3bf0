package io.inferflow.operators.inference;

import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeOptions;
import io.inferflow.model.Scorer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Objects;

/**
 * Loads ONNX models into ONNX Runtime sessions. The spec's URI is read through Flink's
 * {@link org.apache.flink.core.fs.FileSystem}, so a local path, {@code file://} and every file
 * system plugin the cluster has ({@code s3://}, {@code hdfs://}) work.
 */
public final class OnnxScorerFactory implements ScorerFactory {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxScorerFactory.class);

    private final RuntimeOptions runtimeOptions;

    public OnnxScorerFactory(RuntimeOptions runtimeOptions) {
        this.runtimeOptions = Objects.requireNonNull(runtimeOptions, "runtimeOptions");
    }

    @Override
    public Scorer create(ModelSpec spec) throws ModelException {
        long start = System.nanoTime();
        byte[] bytes = read(spec);
        OnnxModel model = OnnxModel.load(spec.name(), bytes, runtimeOptions);
        LOG.info(
                "loaded model {} from {} ({} bytes, input width {}, output width {}) in {} ms",
                spec,
                spec.uri(),
                bytes.length,
                model.inputWidth(),
                model.outputWidth(),
                (System.nanoTime() - start) / 1_000_000);
        return model;
    }

    private static byte[] read(ModelSpec spec) throws ModelException {
        Path path = new Path(spec.uri());
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            return in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    "READ_FAILED",
                    "model " + spec + ": cannot read '" + spec.uri() + "': " + e,
                    e);
        }
    }

    @Override
    public String toString() {
        return "OnnxScorerFactory{" + runtimeOptions + '}';
    }
}
