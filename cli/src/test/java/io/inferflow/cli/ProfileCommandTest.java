package io.inferflow.cli;

import io.inferflow.model.ExporterModels;
import io.inferflow.model.Hashes;
import io.inferflow.model.Mlp;
import io.inferflow.model.profile.FeatureProfile;
import io.inferflow.model.profile.ReferenceProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pipeline model profile} end to end, and the profile checks of {@code model push}. */
class ProfileCommandTest {

    @TempDir
    Path dir;

    private Path model(int width) throws Exception {
        Path file = dir.resolve("m" + width + ".onnx");
        Files.write(file, Mlp.random(9, width, 8, 1).toOnnx("features"));
        return file;
    }

    /** A CSV with id and entity_id columns around {@code width} N(0,1) features named c0.. */
    private Path csv(int rows, int width) throws Exception {
        Random random = new Random(4);
        StringBuilder sb = new StringBuilder("id");
        for (int f = 0; f < width; f++) {
            sb.append(",c").append(f);
        }
        sb.append(",entity_id\n");
        for (int r = 0; r < rows; r++) {
            sb.append("e").append(r);
            for (int f = 0; f < width; f++) {
                sb.append(',').append(String.format(Locale.ROOT, "%.5f", random.nextGaussian()));
            }
            sb.append(",u").append(r % 7).append('\n');
        }
        Path file = dir.resolve("rows" + width + ".csv");
        Files.writeString(file, sb);
        return file;
    }

    private static CommandLine cli(StringWriter out) {
        CommandLine cli = new CommandLine(new PipelineCommand());
        cli.setOut(new PrintWriter(out));
        return cli;
    }

    @Test
    void writesAProfileOfTheCsvAndPrintsASummaryPerFeature() throws Exception {
        Path model = model(3);
        Path out = dir.resolve("profile.json");
        StringWriter printed = new StringWriter();
        int code =
                cli(printed).execute(
                        "model", "profile", "--model", model.toString(),
                        "--data", csv(500, 3).toString(), "--out", out.toString(), "--bins", "5");
        assertEquals(0, code, printed.toString());
        ReferenceProfile profile = ReferenceProfile.fromJson(Files.readString(out));
        assertEquals(List.of("c0", "c1", "c2"),
                profile.features().stream().map(FeatureProfile::name).toList());
        assertEquals(500, profile.rowCount());
        assertEquals(5, profile.features().get(0).binCount());
        assertEquals(Hashes.sha256Hex(Files.readAllBytes(model)), profile.modelSha256());
        assertEquals("score", profile.scores().get(0).name());
        String text = printed.toString();
        assertTrue(text.contains("profiled 500 rows"), text);
        for (String name : List.of("c0", "c1", "c2", "score")) {
            assertTrue(text.contains("  " + name + " "), text);
        }
    }

    @Test
    void profilesATwoInputPipelineFromItsNamedColumns() throws Exception {
        Path model = dir.resolve("pipeline.onnx");
        Files.write(model, ExporterModels.columnTransformer(8, 2, List.of(5L, 6L, 7L)));
        StringBuilder sb = new StringBuilder("id,cat,num[1],num[0],label\n");
        Random random = new Random(2);
        for (int r = 0; r < 300; r++) {
            sb.append("e").append(r).append(',').append(5 + random.nextInt(3)).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", random.nextGaussian())).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", random.nextGaussian()))
                    .append(",1\n");
        }
        Path data = dir.resolve("pipeline.csv");
        Files.writeString(data, sb);
        Path out = dir.resolve("pipeline-profile.json");
        StringWriter printed = new StringWriter();
        assertEquals(0, cli(printed).execute("model", "profile", "--model", model.toString(),
                "--data", data.toString(), "--out", out.toString()), printed.toString());
        ReferenceProfile profile = ReferenceProfile.fromJson(Files.readString(out));
        assertEquals(List.of("num[0]", "num[1]", "cat"),
                profile.features().stream().map(FeatureProfile::name).toList(),
                "the model's numeric inputs in input order, int64 codes included");
        assertEquals(List.of("output_label", "output_probability[0]", "output_probability[1]"),
                profile.scores().stream().map(FeatureProfile::name).toList());
        assertEquals(6.0, profile.features().get(2).mean(), 0.2, "codes 5..7");
        assertTrue(printed.toString().contains("profiled 300 rows"), printed.toString());
    }

    @Test
    void rejectsACsvOfTheWrongWidthNamingIt() throws Exception {
        Path data = csv(10, 2);
        CommandLine cli = cli(new StringWriter());
        CommandLine.ParseResult parsed =
                cli.parseArgs(
                        "model", "profile", "--model", model(3).toString(),
                        "--data", data.toString(), "--out", dir.resolve("p.json").toString());
        ProfileCommand command =
                (ProfileCommand) parsed.subcommand().subcommand().commandSpec().userObject();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, command::call);
        assertEquals("--data " + data + ": row 0 has 2 values, the model takes 3", e.getMessage());
    }

    @Test
    void pushAcceptsAProfileWithTheModelsWidth() throws Exception {
        Path model = model(3);
        Path out = dir.resolve("profile.json");
        cli(new StringWriter()).execute(
                "model", "profile", "--model", model.toString(),
                "--data", csv(100, 3).toString(), "--out", out.toString());
        String sha = Hashes.sha256Hex(Files.readAllBytes(model));
        assertEquals(Files.readString(out), ModelCommand.Push.readProfile(out, 3, sha));
    }

    @Test
    void pushRejectsAProfileOfAnotherWidth() throws Exception {
        Path out = dir.resolve("profile.json");
        cli(new StringWriter()).execute(
                "model", "profile", "--model", model(3).toString(),
                "--data", csv(100, 3).toString(), "--out", out.toString());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelCommand.Push.readProfile(out, 16, "00".repeat(32)));
        assertEquals("--profile " + out + " has 3 features, the model takes 16 numeric input"
                + " values", e.getMessage());
    }

    @Test
    void pushRejectsAFileThatIsNotAProfile() throws Exception {
        Path notProfile = dir.resolve("rows.json");
        Files.writeString(notProfile, "{\"rows\": []}");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelCommand.Push.readProfile(notProfile, 3, "00".repeat(32)));
        assertTrue(
                e.getMessage().startsWith("--profile " + notProfile + ": not a valid reference"
                        + " profile: "),
                e.getMessage());
    }
}
