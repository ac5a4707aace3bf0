package io.inferflow.cli;

import io.inferflow.model.ExporterModels;
import io.inferflow.model.Mlp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pipeline model generate}: an example model to try the tools on. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Writes an MLP with random (seeded) weights as ONNX: Gemm+Relu layers and a sigmoid"
                    + " output, input 'features' [batch, first width]. The benchmarks' 'small' is"
                    + " --layers 16,64,32,1 --seed 1, 'wide' is --layers 256,1024,1024,1 --seed 2.",
            "With --forest TREES,DEPTH: a random forest classifier in the shape skl2onnx"
                    + " writes (TreeEnsembleClassifier + ZipMap, input 'float_input' [batch,"
                    + " first width of --layers], two classes).",
            "With --column-transformer CATEGORY: a two-input skl2onnx pipeline (a ColumnTransformer"
                    + " scaling float input 'num' [batch, first width of --layers] and"
                    + " one-hot-encoding input 'cat' [batch, 1], then a logistic regression with"
                    + " ZipMap); CATEGORY is 'string' (categories c0..c4) or 'int64' (codes 0..4)."
        })
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--layers", split = ",", defaultValue = "16,64,32,1",
            description = "Layer widths, input first (default: ${DEFAULT-VALUE}).")
    List<Integer> layers;

    @Option(names = "--seed", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx")
    Path out;

    @Option(names = "--forest", split = ",", paramLabel = "TREES,DEPTH",
            description = "A random forest of TREES full trees of DEPTH instead of an MLP.")
    List<Integer> forest;

    @Option(names = "--column-transformer", paramLabel = "CATEGORY",
            description = "A two-input pipeline whose 'cat' input is 'string' or 'int64'.")
    String columnTransformer;

    @Override
    public Integer call() throws Exception {
        int[] sizes = layers.stream().mapToInt(Integer::intValue).toArray();
        if (columnTransformer != null) {
            List<?> categories = switch (columnTransformer) {
                case "string" -> List.of("c0", "c1", "c2", "c3", "c4");
                case "int64" -> List.of(0L, 1L, 2L, 3L, 4L);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--column-transformer: expected 'string' or 'int64', got '"
                                + columnTransformer + "'");
            };
            byte[] model = ExporterModels.columnTransformer(seed, sizes[0], categories);
            Files.write(out, model);
            System.out.printf("wrote %s: ColumnTransformer pipeline, inputs num: float[%d] and"
                    + " cat: %s[1] %s (skl2onnx's shape), %,d bytes%n", out, sizes[0],
                    columnTransformer, categories, model.length);
            return 0;
        }
        if (forest != null) {
            if (forest.size() != 2 || forest.get(0) < 1 || forest.get(1) < 1
                    || forest.get(1) > 16) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--forest: expected TREES,DEPTH with TREES >= 1 and 1 <= DEPTH <= 16,"
                                + " got " + forest);
            }
            byte[] model = ExporterModels.forestClassifier(
                    seed, sizes[0], List.of(0L, 1L), forest.get(0), forest.get(1), true);
            Files.write(out, model);
            System.out.printf("wrote %s: random forest of %d trees of depth %d over %d features"
                    + " (skl2onnx's shape), %,d bytes%n", out, forest.get(0), forest.get(1),
                    sizes[0], model.length);
            return 0;
        }
        byte[] model = Mlp.random(seed, sizes).toOnnx("features");
        Files.write(out, model);
        System.out.printf("wrote %s: MLP %s, %,d bytes%n", out, layers, model.length);
        return 0;
    }
}
