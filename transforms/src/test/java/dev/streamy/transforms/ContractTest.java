package dev.streamy.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The default contract's derived Beam Schema and mapping. */
@RunWith(JUnit4.class)
public class ContractTest {

  private final Contract contract = Contract.load(Contract.DEFAULT);

  private FieldType type(String column) {
    return contract.getEventSchema().getField(column).getType();
  }

  @Test
  public void eventTimeIsANonNullDateTime() {
    assertEquals(FieldType.DATETIME, type("meta_dt"));
    assertFalse(type("meta_dt").getNullable());
  }

  @Test
  public void requiredStringsAreNotNullable() {
    assertEquals(FieldType.STRING, type("meta_id"));
    assertEquals(FieldType.STRING, type("meta_stream"));
  }

  @Test
  public void optionalAndNullableFieldsAreNullable() {
    assertEquals(FieldType.INT64.withNullable(true), type("id"));
    assertEquals(FieldType.BOOLEAN.withNullable(true), type("bot"));
    assertEquals(FieldType.STRING.withNullable(true), type("log_params"));
    assertEquals(FieldType.INT64.withNullable(true), type("length_new"));
    assertEquals(FieldType.INT64.withNullable(true), type("namespace"));
    assertEquals(FieldType.STRING.withNullable(true), type("meta_domain"));
  }

  @Test
  public void sourceCoordinatesCloseTheSchema() {
    Schema schema = contract.getEventSchema();
    int n = schema.getFieldCount();
    assertEquals(contract.getColumns().size() + 3, n);
    assertEquals(Schema.Field.of("_topic", FieldType.STRING), schema.getField(n - 3));
    assertEquals(Schema.Field.of("_partition", FieldType.INT32), schema.getField(n - 2));
    assertEquals(Schema.Field.of("_offset", FieldType.INT64), schema.getField(n - 1));
  }

  @Test
  public void mappingNamesIdTimeAndAggregation() {
    assertEquals("mediawiki-recentchange", contract.getName());
    assertEquals("1.0.0", contract.getVersion());
    assertEquals(List.of("meta", "id"), contract.getEventIdPath());
    assertEquals(List.of("meta", "dt"), contract.getEventTimePath());
    assertEquals("meta_id", contract.eventIdColumn());
    assertEquals("meta_dt", contract.eventTimeColumn());
    assertEquals(List.of("wiki", "type"), contract.getAggregation().getGroupKeys());
    assertEquals("bot", contract.getAggregation().getCountTrue());
    assertEquals("length_new", contract.getAggregation().getDeltaNew());
    assertTrue(contract.getSchemaJson().contains("\"mediawiki/recentchange\""));
  }

  @Test
  public void loadsFromAFileOnDiskToo() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("contract");
    for (String file :
        new String[] {
          "mediawiki-recentchange-1.0.0.contract.json", "mediawiki-recentchange-1.0.0.schema.json"
        }) {
      try (java.io.InputStream in =
          ContractTest.class.getClassLoader().getResourceAsStream("contracts/" + file)) {
        java.nio.file.Files.copy(in, dir.resolve(file));
      }
    }
    Contract fromDisk =
        Contract.load(dir.resolve("mediawiki-recentchange-1.0.0.contract.json").toString());
    assertEquals(contract.getEventSchema(), fromDisk.getEventSchema());
  }

  @Test
  public void rowsAreWhatTheCheckingRowBuilderMakes() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper mapper =
        new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.List<SourceRecord> records =
        dev.streamy.transforms.testing.RealEvents.records("recentchange");
    for (SourceRecord record : records) {
      com.fasterxml.jackson.databind.JsonNode event = mapper.readTree(record.getValue());
      if (!event.has("$schema")) {
        continue; // the older format has no meta.stream, a non-nullable column
      }
      org.apache.beam.sdk.values.Row.Builder expected =
          org.apache.beam.sdk.values.Row.withSchema(contract.getEventSchema());
      for (Contract.Column column : contract.getColumns()) {
        expected.addValue(column.valueOf(JsonPaths.at(event, column.getPath())));
      }
      expected.addValues(record.getTopic(), record.getPartition(), record.getOffset());
      org.apache.beam.sdk.values.Row row = contract.toRow(event, record);
      assertEquals(expected.build(), row);
      assertEquals(expected.build().getValues(), row.getValues());
    }
  }

  @Test
  public void aRowWithoutAValueForANonNullableColumnIsRefusedAsBefore() throws Exception {
    com.fasterxml.jackson.databind.JsonNode event =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree("{\"meta\":{\"id\":\"x\",\"dt\":\"2023-07-29T07:51:39Z\"}}");
    assertThrows(
        IllegalArgumentException.class,
        () -> contract.toRow(event, SourceRecord.of("t", 0, 0, new byte[0])));
  }

  @Test(expected = IllegalArgumentException.class)
  public void unknownContractIsRefused() {
    Contract.load("no-such-contract-9.9.9");
  }

  @Test
  public void aMissingFileIsNamedAsTheFileLookedFor() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Contract.load("/nonexistent"));
    assertEquals("no such contract file /nonexistent", e.getMessage());
  }

  @Test
  public void anUnknownNameSaysWhereItWasLookedFor() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Contract.load("no-such-contract-9.9.9"));
    assertThat(
        e.getMessage(),
        containsString(
            "no contract named no-such-contract-9.9.9"
                + " (contracts/no-such-contract-9.9.9.contract.json on the classpath)"));
  }

  @Test
  public void aFileThatIsNotJsonIsRefusedNamingIt() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("broken", ".contract.json");
    java.nio.file.Files.writeString(file, "{not json");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Contract.load(file.toString()));
    assertThat(e.getMessage(), containsString("cannot read the contract file " + file));
    java.nio.file.Files.delete(file);
  }
}
