package io.inferflow.cli.io;

import io.inferflow.model.InputSpec;
import io.inferflow.schemas.avro.FeatureEvent;
import io.inferflow.schemas.avro.NamedInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvFeaturesTest {

    @Test
    void aLabelColumnIsTheRowsOutcomeNeverAFeature(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "id,f0,label,f1,entity_id\ne1,0.5,1,2.5,u7\ne2,-1,0,3,u8\n");

        List<CsvFeatures.Row> rows = CsvFeatures.readRows(csv, "fraud");
        assertEquals(2, rows.size());
        assertEquals("e1", rows.get(0).event().getEventId());
        assertEquals("u7", rows.get(0).event().getEntityId());
        assertEquals(List.of(0.5f, 2.5f), rows.get(0).event().getFeatures());
        assertEquals(1.0, rows.get(0).label());
        assertEquals(0.0, rows.get(1).label());
        assertEquals(List.of("f0", "f1"), CsvFeatures.featureNames(csv));
        assertArrayEquals(new float[] {-1f, 3f}, CsvFeatures.rows(csv)[1]);
    }

    @Test
    void namedInputsReadTheColumnsOfTheirNames(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("named.csv");
        Files.writeString(csv, "id,color,num[1],extra,code,num[0],label\n"
                + "e1,red,2.5,x,7,0.5,1\ne2,\"dark, blue\",3,y,8,-1,0\n");
        List<InputSpec> inputs = List.of(
                InputSpec.floats("num", 2),
                new InputSpec("color", InputSpec.Kind.STRING, 1, false),
                new InputSpec("code", InputSpec.Kind.INT64, 1, true));
        List<CsvFeatures.Row> rows = CsvFeatures.readNamedRows(csv, "shop", inputs);
        FeatureEvent e2 = rows.get(1).event();
        assertEquals(List.of(), e2.getFeatures());
        assertEquals(List.of(
                new NamedInput("num", List.of(-1f, 3f), List.of(), List.of()),
                new NamedInput("color", List.of(), List.of(), List.of("dark, blue")),
                new NamedInput("code", List.of(), List.of(8L), List.of())), e2.getInputs());
        assertEquals(0.0, rows.get(1).label());

        Files.writeString(csv, "id,color,num[1],code,num[0]\ne1,red,2.5,7.5,0.5\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsvFeatures.readNamedRows(csv, "shop", inputs));
        assertEquals(csv + " line 2 column 'code': '7.5' is not an integer (the input is int64)",
                e.getMessage());
        Files.writeString(csv, "id,color,num[1]\ne1,red,2.5\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> CsvFeatures.readNamedRows(csv, "shop", inputs));
        assertEquals("CSV " + csv + ": the model's input num: float[2] needs column 'num[0]';"
                + " the header has [id, color, num[1]]", e.getMessage());
    }

    @Test
    void rowsWithoutALabelColumnHaveNoLabel(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "id,a,b\ne1,1,2\n");
        assertNull(CsvFeatures.readRows(csv, "m").get(0).label());
    }

    @Test
    void aLabelThatIsNotAFiniteNumberNamesLineAndValue(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "id,a,label\ne1,1,1\ne2,1,NaN\n");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class,
                        () -> CsvFeatures.readRows(csv, "m"));
        assertTrue(e.getMessage().contains("line 3 column 'label': 'NaN'"), e.getMessage());
    }

    @Test
    void quotedFieldsMayHoldCommasAndQuotes(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(
                csv, "id,entity_id,f0\n\"e,1\",\"Smith, \"\"J\"\"\", 0.25 \n");
        CsvFeatures.Row row = CsvFeatures.readRows(csv, "m").get(0);
        assertEquals("e,1", row.event().getEventId());
        assertEquals("Smith, \"J\"", row.event().getEntityId());
        assertEquals(List.of(0.25f), row.event().getFeatures());
    }

    @Test
    void errorsNameTheLineOfTheFileAfterBlankLines(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "id,a,b\n\ne1,1,2\n\ne2,1,x\n");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CsvFeatures.rows(csv));
        assertTrue(e.getMessage().contains("line 5 column 'b': 'x' is not a number"),
                e.getMessage());
    }
}
