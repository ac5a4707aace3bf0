package io.inferflow.cli;

import io.inferflow.cli.io.CsvFeatures;
import io.inferflow.model.ModelException;
import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ProfileBuilder;
import io.inferflow.model.profile.ReferenceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pipeline model profile}: the reference profile of a model on reference rows, for drift
 * detection; push it with {@code pipeline model push --profile}.
 */
@Command(
        name = "profile",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the reference profile of a model on reference rows (a CSV with a header; id and"
                    + " entity_id columns are ignored): quantile bins, NaN rate, mean and std per"
                    + " feature, and the distribution of the model's scores on the same rows."
        })
final class ProfileCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE.onnx")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "ROWS.csv",
            description = "Reference rows; the header names the features. For a model with"
                    + " named inputs (several, or int64/string) each input reads the column of"
                    + " its name, or NAME[0], NAME[1].. when wider; the profile covers the"
                    + " numeric ones.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "PROFILE.json")
    Path out;

    @Option(names = "--bins", defaultValue = "10",
            description = "Quantile bins per feature, 2 to 1000 (default: ${DEFAULT-VALUE}).")
    int bins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist");
        }
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("--data " + data + " does not exist");
        }
        byte[] bytes = Files.readAllBytes(model);
        CsvFeatures.Cells cells = CsvFeatures.featureCells(data);
        ReferenceProfile profile;
        try {
            profile = ProfileBuilder.buildFromCells(bytes, cells.header(), cells.rows(), bins);
        } catch (ModelException e) {
            throw new IllegalArgumentException(
                    "--model " + model + " is not a servable model: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--data " + data + ": " + e.getMessage(), e);
        }
        Files.writeString(out, profile.toJson());
        PrintWriter printer = spec.commandLine().getOut();
        printer.printf("profiled %,d rows of %s with %s -> %s%n", cells.rows().size(), data, model,
                out);
        for (FeatureProfile f : profile.features()) {
            printer.println("  " + summary(f));
        }
        for (FeatureProfile s : profile.scores()) {
            printer.println("  " + summary(s));
        }
        printer.flush();
        return 0;
    }

    private static String summary(FeatureProfile f) {
        double[] edges = f.edges();
        String range = edges.length == 0
                ? "one value"
                : String.format("edges %.4g .. %.4g", edges[0], edges[edges.length - 1]);
        return String.format(
                "%-16s mean %10.4g  std %10.4g  NaN %5.1f%%  %2d bins, %s",
                f.name(), f.mean(), f.std(), 100 * f.nanRate(), f.binCount(), range);
    }
}
