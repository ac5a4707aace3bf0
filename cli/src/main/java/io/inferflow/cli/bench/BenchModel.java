package io.inferflow.cli.bench;

import io.inferflow.model.Mlp;
import io.inferflow.model.ModelException;
import io.inferflow.model.OnnxModel;
import io.inferflow.model.RuntimeSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A model to benchmark: one of the two built-in MLPs or an ONNX file.
 *
 * <ul>
 *   <li>{@code small}: {@code Mlp.random(1, 16, 64, 32, 1)}, about 3k multiply-adds per event,
 *       where Kafka, Avro and Flink dominate;
 *   <li>{@code wide}: {@code Mlp.random(2, 256, 1024, 1024, 1)}, about 1.3M multiply-adds per
 *       event, where inference dominates;
 *   <li>{@code FILE.onnx}: named after the file, fed Gaussian features of its input width.
 * </ul>
 */
public record BenchModel(String name, Path file, int width, long defaultEvents) {

    static final long SMALL_EVENTS = 400_000;
    static final long WIDE_EVENTS = 120_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Resolves a {@code --model} value, writing built-in models into {@code dir}. */
    public static BenchModel resolve(String arg, Path dir) throws IOException {
        switch (arg) {
            case ResultTable.SMALL:
                return builtIn(arg, Mlp.random(1, 16, 64, 32, 1), SMALL_EVENTS, dir);
            case ResultTable.WIDE:
                return builtIn(arg, Mlp.random(2, 256, 1024, 1024, 1), WIDE_EVENTS, dir);
            default:
                return fromFile(Path.of(arg));
        }
    }

    private static BenchModel builtIn(String name, Mlp mlp, long events, Path dir)
            throws IOException {
        Path file = dir.resolve(name + ".onnx");
        Files.write(file, mlp.toOnnx("features"));
        return new BenchModel(name, file, mlp.inputWidth(), events);
    }

    private static BenchModel fromFile(Path file) throws IOException {
        String fileName = file.getFileName().toString();
        if (!fileName.endsWith(".onnx")) {
            throw new IllegalArgumentException(
                    "--model must be small, wide or a FILE.onnx, got '" + file + "'");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--model: no such file '" + file + "'");
        }
        String name = fileName.substring(0, fileName.length() - ".onnx".length());
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "--model '" + file + "': the file name must be a model name (letters,"
                            + " digits, '.', '_', '-') followed by .onnx");
        }
        try (OnnxModel model =
                OnnxModel.load(name, Files.readAllBytes(file), RuntimeSettings.defaults())) {
            return new BenchModel(name, file.toAbsolutePath(), model.inputWidth(), WIDE_EVENTS);
        } catch (ModelException e) {
            throw new IllegalArgumentException("--model '" + file + "': " + e.getMessage(), e);
        }
    }

    /** The {@code inference.models} entry serving this model as version 1. */
    public String spec() {
        return name + ":1=" + file;
    }
}
