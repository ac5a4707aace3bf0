package io.inferflow.cli;

import io.inferflow.model.Mlp;
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
                    + " --layers 16,64,32,1 --seed 1, 'wide' is --layers 256,1024,1024,1 --seed 2."
        })
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--layers", split = ",", defaultValue = "16,64,32,1",
            description = "Layer widths, input first (default: ${DEFAULT-VALUE}).")
    List<Integer> layers;

    @Option(names = "--seed", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx")
    Path out;

    @Override
    public Integer call() throws Exception {
        int[] sizes = layers.stream().mapToInt(Integer::intValue).toArray();
        byte[] model = Mlp.random(seed, sizes).toOnnx("features");
        Files.write(out, model);
        System.out.printf("wrote %s: MLP %s, %,d bytes%n", out, layers, model.length);
        return 0;
    }
}
