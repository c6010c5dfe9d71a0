package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.options.KafkaConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.Row;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.TestName;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Writes rows with {@link WriteIceberg} to a Hadoop catalog and reads them back with Iceberg. */
@RunWith(JUnit4.class)
public class WriteIcebergTest {

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("name")
          .addNullableField("count", FieldType.INT64)
          .addDateTimeField("ts")
          .addBooleanField("flag")
          .addByteArrayField("payload")
          .build();

  private static final Instant T1305 = Instant.parse("2024-08-22T13:05:00Z");
  private static final Instant T1410 = Instant.parse("2024-08-22T14:10:00.123Z");

  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final TestName testName = new TestName();

  private IcebergCatalogSettings catalog;

  /**
   * This test's table name. IcebergIO caches tables in static maps keyed by {@code namespace.table}
   * only, so tests in one JVM must not reuse a name across warehouses.
   */
  private String events;

  @Before
  public void setUp() throws IOException {
    catalog = IcebergCatalogSettings.hadoop(folder.newFolder("warehouse").getAbsolutePath());
    events = "events_" + testName.getMethodName();
  }

  private static Row row(String name, Long count, Instant ts, boolean flag, String payload) {
    return Row.withSchema(SCHEMA)
        .addValues(name, count, ts, flag, payload.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private static List<Object> expected(
      String name, Long count, Instant ts, boolean flag, String payload) {
    return Arrays.asList(
        name,
        count,
        OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(ts.getMillis()), ZoneOffset.UTC),
        flag,
        payload);
  }

  /** Every record of the table, as [name, count, ts, flag, payload as UTF-8]. */
  private static List<List<Object>> readAll(Table table) throws IOException {
    List<List<Object>> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record record : records) {
        ByteBuffer payload = ((ByteBuffer) record.getField("payload")).duplicate();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        rows.add(
            Arrays.asList(
                record.getField("name").toString(),
                record.getField("count"),
                ((OffsetDateTime) record.getField("ts")).withOffsetSameInstant(ZoneOffset.UTC),
                record.getField("flag"),
                new String(bytes, StandardCharsets.UTF_8)));
      }
    }
    return rows;
  }

  /** The append snapshots of {@code table}, oldest first. */
  static List<Snapshot> appends(Table table) {
    List<Snapshot> appends = new ArrayList<>();
    table
        .snapshots()
        .forEach(
            snapshot -> {
              if ("append".equals(snapshot.operation())) {
                appends.add(snapshot);
              }
            });
    return appends;
  }

  private Table load(String namespace, String table) {
    Catalog iceberg = catalog.toBeamConfig().catalog();
    return iceberg.loadTable(TableIdentifier.of(namespace, table));
  }

  @Test
  public void writesRowsToAnHourPartitionedV2TableAndAppendsOnASecondRun() throws IOException {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");

    pipeline
        .apply(
            "Rows",
            Create.of(
                    row("a", 1L, T1305, true, "p-a"),
                    row("b", null, T1305, false, ""),
                    row("c", Long.MAX_VALUE, T1410, true, "p-c"))
                .withRowSchema(SCHEMA))
        .apply("Write", WriteIceberg.to(catalog, "lake", events));
    pipeline.run().waitUntilFinish();

    Table table = load("lake", events);
    assertThat(
        readAll(table),
        containsInAnyOrder(
            expected("a", 1L, T1305, true, "p-a"),
            expected("b", null, T1305, false, ""),
            expected("c", Long.MAX_VALUE, T1410, true, "p-c")));
    List<PartitionField> partitioning = table.spec().fields();
    assertEquals(1, partitioning.size());
    assertEquals("hour", partitioning.get(0).transform().toString());
    assertEquals(table.schema().findField("ts").fieldId(), partitioning.get(0).sourceId());
    assertEquals(2, ((HasTableOperations) table).operations().current().formatVersion());
    assertEquals(
        WriteIceberg.parquetCodec(), table.properties().get(TableProperties.PARQUET_COMPRESSION));
    assertTrue(table.schema().findField("ts").isRequired());
    assertTrue(table.schema().findField("count").isOptional());
    assertEquals(Types.TimestampType.withZone(), table.schema().findField("ts").type());
    // Rows of two hours: one data file per hour partition at least.
    List<Object> partitions = new ArrayList<>();
    appends(table)
        .get(0)
        .addedDataFiles(table.io())
        .forEach(file -> partitions.add(file.partition().get(0, Integer.class)));
    assertEquals(2, new java.util.HashSet<>(partitions).size());
    // Rows without Kafka coordinates (aggregates) record no source offsets.
    assertFalse(appends(table).get(0).summary().containsKey(IcebergCommitter.SOURCE_OFFSETS));

    // A second run appends: a second snapshot, both runs' rows.
    Pipeline second = Pipeline.create(PipelineOptionsFactory.create());
    second
        .apply("Rows", Create.of(row("d", 4L, T1410, false, "p-d")).withRowSchema(SCHEMA))
        .apply("Write", WriteIceberg.to(catalog, "lake", events));
    second.run().waitUntilFinish();

    // One append per run (and a rewrite after a run whose bundles left small files).
    table = load("lake", events);
    assertEquals(2, appends(table).size());
    assertThat(
        readAll(table),
        containsInAnyOrder(
            expected("a", 1L, T1305, true, "p-a"),
            expected("b", null, T1305, false, ""),
            expected("c", Long.MAX_VALUE, T1410, true, "p-c"),
            expected("d", 4L, T1410, false, "p-d")));
  }

  @Test
  public void eachAppendRecordsTheSourceOffsetsOfItsRows() throws IOException {
    Schema withCoordinates =
        Schema.builder()
            .addStringField("_topic")
            .addInt32Field("_partition")
            .addInt64Field("_offset")
            .addDateTimeField("ts")
            .build();
    WriteIceberg.ensureTable(catalog, "lake", events, withCoordinates, "ts");
    List<Row> rows = new ArrayList<>();
    for (long offset : new long[] {10, 11, 13}) {
      rows.add(Row.withSchema(withCoordinates).addValues("wiki", 0, offset, T1305).build());
    }
    rows.add(Row.withSchema(withCoordinates).addValues("wiki", 1, 4L, T1410).build());
    rows.add(Row.withSchema(withCoordinates).addValues("other", 0, 99L, T1410).build());

    pipeline
        .apply("Rows", Create.of(rows).withRowSchema(withCoordinates))
        .apply("Write", WriteIceberg.to(catalog, "lake", events));
    pipeline.run().waitUntilFinish();

    Table table = load("lake", events);
    SourceOffsets recorded =
        SourceOffsets.fromJson(
            appends(table).get(0).summary().get(IcebergCommitter.SOURCE_OFFSETS));
    // What the summary says is what the table holds: read the coordinates back through Iceberg.
    SourceOffsets held = new SourceOffsets();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record record : records) {
        held.add(
            record.getField("_topic").toString(),
            (Integer) record.getField("_partition"),
            (Long) record.getField("_offset"));
      }
    }
    assertEquals(held.toJson(), recorded.toJson());
    assertEquals(List.of(10L, 13L, 3L), asList(recorded.range("wiki", 0)));
    assertEquals(List.of(4L, 4L, 1L), asList(recorded.range("wiki", 1)));
    assertEquals(List.of(99L, 99L, 1L), asList(recorded.range("other", 0)));
  }

  private static List<Long> asList(long[] range) {
    assertNotNull(range);
    return Arrays.stream(range).boxed().collect(java.util.stream.Collectors.toList());
  }

  @Test
  public void ensureTableIsIdempotentAndLeavesAnExistingTableAlone() {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, null);

    Table table = load("lake", events);
    assertEquals(1, table.spec().fields().size());
    assertEquals(SCHEMA.getFieldCount(), table.schema().columns().size());
  }

  @Test
  public void addsANullableColumnToAnExistingTable() {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");
    Schema wider =
        Schema.builder()
            .addFields(SCHEMA.getFields())
            .addNullableField("region", FieldType.STRING)
            .build();

    WriteIceberg.ensureTable(catalog, "lake", events, wider, "ts");

    Types.NestedField region = load("lake", events).schema().findField("region");
    assertNotNull(region);
    assertTrue(region.isOptional());
    assertEquals(Types.StringType.get(), region.type());
  }

  @Test
  public void widensIntToLong() {
    Schema narrow = Schema.builder().addInt32Field("n").build();
    WriteIceberg.ensureTable(catalog, "lake", "numbers", narrow, null);

    WriteIceberg.ensureTable(
        catalog, "lake", "numbers", Schema.builder().addInt64Field("n").build(), null);

    assertEquals(Types.LongType.get(), load("lake", "numbers").schema().findField("n").type());
  }

  @Test
  public void refusesAnIncompatibleTypeChange() {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");
    Schema changed =
        Schema.builder()
            .addInt64Field("name")
            .addNullableField("count", FieldType.INT64)
            .addDateTimeField("ts")
            .addBooleanField("flag")
            .addByteArrayField("payload")
            .build();

    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () -> WriteIceberg.ensureTable(catalog, "lake", events, changed, "ts"));
    assertThat(error.getMessage(), containsString("field name is string in the table"));
    assertEquals(Types.StringType.get(), load("lake", events).schema().findField("name").type());
  }

  @Test
  public void refusesANewRequiredColumnAndAMissingRequiredColumn() {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");
    Schema newRequired =
        Schema.builder().addFields(SCHEMA.getFields()).addStringField("region").build();
    Schema withoutFlag =
        Schema.builder()
            .addStringField("name")
            .addNullableField("count", FieldType.INT64)
            .addDateTimeField("ts")
            .addByteArrayField("payload")
            .build();

    assertThat(
        assertThrows(
                IllegalStateException.class,
                () -> WriteIceberg.ensureTable(catalog, "lake", events, newRequired, "ts"))
            .getMessage(),
        containsString("field region is not nullable"));
    assertThat(
        assertThrows(
                IllegalStateException.class,
                () -> WriteIceberg.ensureTable(catalog, "lake", events, withoutFlag, "ts"))
            .getMessage(),
        containsString("required field flag"));
    assertEquals(SCHEMA.getFieldCount(), load("lake", events).schema().columns().size());
  }

  @Test
  public void refusesBadNamesAndPartitionColumns() {
    assertThrows(
        IllegalArgumentException.class, () -> WriteIceberg.to(catalog, "lake", "../events"));
    assertThrows(IllegalArgumentException.class, () -> WriteIceberg.to(catalog, "a.b", "events"));
    assertThrows(
        IllegalArgumentException.class,
        () -> WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "name"));
    assertThrows(
        IllegalArgumentException.class,
        () -> WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "missing"));
    assertThrows(
        IllegalArgumentException.class,
        () -> WriteIceberg.to(catalog, "lake", events).withCommitInterval(Duration.ZERO));
  }

  @Test
  public void unboundedInputIsCommittedEveryInterval() throws IOException {
    WriteIceberg.ensureTable(catalog, "lake", events, SCHEMA, "ts");
    TestStream<Row> rows =
        TestStream.create(RowCoder.of(SCHEMA))
            .addElements(row("a", 1L, T1305, true, "p-a"), row("b", 2L, T1410, false, "p-b"))
            .advanceProcessingTime(Duration.standardMinutes(2))
            .addElements(row("c", 3L, T1410, true, "p-c"))
            .advanceProcessingTime(Duration.standardMinutes(2))
            .advanceWatermarkToInfinity();

    pipeline
        .apply("Rows", rows)
        .setRowSchema(SCHEMA)
        .apply(
            "Write",
            WriteIceberg.to(catalog, "lake", events)
                .withCommitInterval(Duration.standardMinutes(1)));
    pipeline.run().waitUntilFinish();

    assertThat(
        readAll(load("lake", events)),
        containsInAnyOrder(
            expected("a", 1L, T1305, true, "p-a"),
            expected("b", 2L, T1410, false, "p-b"),
            expected("c", 3L, T1410, true, "p-c")));
  }

  @Test
  public void unboundedInputNeedsACommitInterval() {
    Pipeline streaming = Pipeline.create(PipelineOptionsFactory.create());
    TestStream<Row> rows =
        TestStream.create(RowCoder.of(SCHEMA))
            .addElements(row("a", 1L, T1305, true, "p"))
            .advanceWatermarkToInfinity();

    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                streaming
                    .apply("Rows", rows)
                    .setRowSchema(SCHEMA)
                    .apply("Write", WriteIceberg.to(catalog, "lake", events)));
    assertThat(error.getMessage(), containsString("withCommitInterval"));
  }

  @Test
  public void secretsAreRedactedInDisplayDataAndToString() {
    IcebergCatalogSettings rest =
        IcebergCatalogSettings.rest("http://127.0.0.1:8181", "lake")
            .withProperties(
                Map.of(
                    "credential", "client:s3cr3t-cred",
                    "token", "s3cr3t-token",
                    "s3.secret-access-key", "s3cr3t-key",
                    "s3.access-key-id", "AKIAEXAMPLE",
                    "header.Authorization", "Bearer s3cr3t-bearer",
                    "s3.endpoint", "http://127.0.0.1:9000"));

    DisplayData display =
        DisplayData.from(
            WriteIceberg.to(rest, "lake", events).withCommitInterval(Duration.standardMinutes(1)));
    String shown = display.toString() + " " + rest;

    for (String secret :
        List.of("s3cr3t-cred", "s3cr3t-token", "s3cr3t-key", "AKIAEXAMPLE", "s3cr3t-bearer")) {
      assertFalse(shown + " shows " + secret, shown.contains(secret));
    }
    assertThat(shown, containsString("http://127.0.0.1:9000"));
    assertThat(shown, containsString(KafkaConfig.REDACTED));
    assertEquals("s3cr3t-token", rest.catalogProperties().get("token"));
    assertEquals("rest", rest.catalogProperties().get("type"));
    assertThat(rest.redactedProperties().values(), not(hasItem("s3cr3t-key")));
    assertThrows(
        IllegalArgumentException.class,
        () -> rest.withProperties(Map.of("warehouse", "elsewhere")));
  }
}
