package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Writes windowed rows with {@link WriteParquet} and reads every file back with DuckDB. */
@RunWith(JUnit4.class)
public class WriteParquetTest {

  private static final Schema TAG = Schema.builder().addStringField("k").addInt64Field("v").build();

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("name")
          .addNullableField("count", FieldType.INT64)
          .addDateTimeField("ts")
          .addBooleanField("flag")
          .addByteArrayField("payload")
          .addArrayField("tags", FieldType.row(TAG))
          .build();

  private static final Instant T1300 = Instant.parse("2024-08-22T13:00:00Z");
  private static final Instant T1400 = Instant.parse("2024-08-22T14:00:00Z");

  private static final String FILE_PATTERN =
      "date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/events-\\d{8}T\\d{4}Z-\\d{8}T\\d{4}Z"
          + "-pane-\\d+-shard-\\d{5}-of-\\d{5}\\.parquet";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static Row row(String name, Long count, Instant ts, boolean flag, byte[] payload) {
    return Row.withSchema(SCHEMA)
        .addValues(
            name,
            count,
            ts,
            flag,
            payload,
            List.of(
                Row.withSchema(TAG).addValues("a", 1L).build(),
                Row.withSchema(TAG).addValues("b", 2L).build()))
        .build();
  }

  private static List<TimestampedValue<Row>> input() {
    return List.of(
        TimestampedValue.of(
            row("first", 1L, T1300.plus(Duration.standardSeconds(5)), true, new byte[] {0, 1, -1}),
            T1300.plus(Duration.standardSeconds(5))),
        TimestampedValue.of(
            row("second", null, T1300.plus(Duration.standardSeconds(59)), false, new byte[] {}),
            T1300.plus(Duration.standardSeconds(59))),
        TimestampedValue.of(
            row("third", 3L, T1400.plus(Duration.millis(1)), true, new byte[] {42}),
            T1400.plus(Duration.millis(1))));
  }

  private static void writeWindowed(Pipeline p, Path dir) {
    p.apply("Rows", Create.timestamped(input()).withCoder(RowCoder.of(SCHEMA)))
        .apply("Minutes", Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply("Write", WriteParquet.to(dir.toString(), SCHEMA).withPrefix("events"));
  }

  @Test
  public void writesTypedWindowedFilesThatDuckDbReads() throws Exception {
    Path dir = temp.newFolder("events").toPath();
    writeWindowed(pipeline, dir);
    pipeline.run().waitUntilFinish();

    List<String> parquet =
        DuckDb.filesUnder(dir).stream()
            .filter(f -> !f.startsWith(WriteParquet.TEMP_FOLDER) && f.endsWith(".parquet"))
            .collect(Collectors.toList());
    assertEquals(
        List.of(
            "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet",
            "date=2024-08-22/hour=14/events-20240822T1400Z-20240822T1401Z-pane-0-shard-00000-of-00001.parquet"),
        parquet);
    assertThat(parquet, everyItem(matchesPattern(FILE_PATTERN)));
    assertThat("temporary files are cleaned up", tempFiles(dir), empty());

    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT name, count, epoch_ms(ts) AS ts_ms, flag, hex(payload) AS payload,"
                + " len(tags) AS tag_count, tags[1].k AS k1, tags[2].v AS v2, filename"
                + " FROM read_parquet('"
                + dir.toAbsolutePath()
                + "/**/*.parquet', hive_partitioning=false, filename=true) ORDER BY name");
    assertEquals(3, rows.size());
    Map<String, Object> first = rows.get(0);
    assertEquals("first", first.get("name"));
    assertEquals(1L, first.get("count"));
    assertEquals(T1300.getMillis() + 5_000, ((Number) first.get("ts_ms")).longValue());
    assertEquals(true, first.get("flag"));
    assertEquals(
        HexFormat.of().formatHex(new byte[] {0, 1, -1}).toUpperCase(), first.get("payload"));
    assertEquals(2L, ((Number) first.get("tag_count")).longValue());
    assertEquals("a", first.get("k1"));
    assertEquals(2L, first.get("v2"));
    assertThat((String) first.get("filename"), matchesPattern(".*/hour=13/.*"));
    Map<String, Object> second = rows.get(1);
    assertNull(second.get("count"));
    assertEquals(false, second.get("flag"));
    assertEquals("", second.get("payload"));
    Map<String, Object> third = rows.get(2);
    assertEquals(T1400.getMillis() + 1, ((Number) third.get("ts_ms")).longValue());
    assertThat((String) third.get("filename"), matchesPattern(".*/hour=14/.*"));

    Map<String, String> types = DuckDb.columnTypes(dir);
    assertEquals("VARCHAR", types.get("name"));
    assertEquals("BIGINT", types.get("count"));
    // Beam DATETIME is an instant: Parquet TIMESTAMP(MILLIS, adjusted to UTC), DuckDB's
    // TIMESTAMPTZ.
    assertEquals("TIMESTAMP WITH TIME ZONE", types.get("ts"));
    assertEquals("BOOLEAN", types.get("flag"));
    assertEquals("BLOB", types.get("payload"));
    assertEquals("STRUCT(k VARCHAR, v BIGINT)[]", types.get("tags"));
  }

  @Test
  public void sameInputTwiceGivesTheSameFileNames() throws Exception {
    Path first = temp.newFolder("run1").toPath();
    Path second = temp.newFolder("run2").toPath();
    for (Path dir : List.of(first, second)) {
      Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
      writeWindowed(p, dir);
      p.run().waitUntilFinish();
    }
    List<String> names = parquetFiles(first);
    assertEquals(2, names.size());
    assertEquals(names, parquetFiles(second));
  }

  @Test
  public void latePaneGetsItsOwnFileNextToTheOnTimeOne() throws Exception {
    Path dir = temp.newFolder("late").toPath();
    Instant inWindow = T1300.plus(Duration.standardSeconds(30));
    TestStream<Row> events =
        TestStream.create(SCHEMA)
            .advanceWatermarkTo(T1300)
            .addElements(
                TimestampedValue.of(row("on-time-1", 1L, inWindow, true, new byte[] {1}), inWindow),
                TimestampedValue.of(row("on-time-2", 2L, inWindow, true, new byte[] {2}), inWindow))
            .advanceWatermarkTo(T1300.plus(Duration.standardMinutes(5)))
            .addElements(
                TimestampedValue.of(row("late", 3L, inWindow, false, new byte[] {3}), inWindow))
            .advanceWatermarkToInfinity();
    PCollection<Row> rows = pipeline.apply(events);
    rows.apply(
            Window.<Row>into(FixedWindows.of(Duration.standardMinutes(1)))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(Duration.standardMinutes(10))
                .discardingFiredPanes())
        .apply(WriteParquet.to(dir.toString(), SCHEMA).withPrefix("events"));
    pipeline.run().waitUntilFinish();

    String base = "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-";
    assertEquals(
        List.of(base + "0-shard-00000-of-00001.parquet", base + "1-shard-00000-of-00001.parquet"),
        parquetFiles(dir));
    List<Map<String, Object>> counts =
        DuckDb.query(
            "SELECT regexp_extract(filename, 'pane-(\\d+)', 1) AS pane, count(*) AS n FROM"
                + " read_parquet('"
                + dir.toAbsolutePath()
                + "/**/*.parquet', hive_partitioning=false, filename=true)"
                + " GROUP BY pane ORDER BY pane");
    assertEquals("0", counts.get(0).get("pane"));
    assertEquals(2L, ((Number) counts.get(0).get("n")).longValue());
    assertEquals("1", counts.get(1).get("pane"));
    assertEquals(1L, ((Number) counts.get(1).get("n")).longValue());
    assertThat(tempFiles(dir), empty());
  }

  /**
   * Each {@code addElements} of a TestStream is a bundle of its own on the DirectRunner: three
   * bundles of two rows, each row with a payload of {@code payloadBytes} random bytes.
   */
  private static TestStream<Row> threeBundlesOfOneWindow(int payloadBytes) {
    java.util.Random random = new java.util.Random(7);
    Instant t = T1300.plus(Duration.standardSeconds(10));
    TestStream.Builder<Row> stream = TestStream.create(SCHEMA).advanceWatermarkTo(T1300);
    for (int bundle = 0; bundle < 3; bundle++) {
      Instant ts = t.plus(Duration.standardSeconds(bundle));
      byte[] first = new byte[payloadBytes];
      byte[] second = new byte[payloadBytes];
      random.nextBytes(first);
      random.nextBytes(second);
      stream =
          stream.addElements(
              TimestampedValue.of(row("b" + bundle + "-1", 1L, ts, true, first), ts),
              TimestampedValue.of(row("b" + bundle + "-2", 2L, ts, false, second), ts));
    }
    return stream.advanceWatermarkToInfinity();
  }

  private static TestStream<Row> threeBundlesOfOneWindow() {
    return threeBundlesOfOneWindow(1);
  }

  /** Writes the three bundles into 1-minute windows and returns the one published file. */
  private Path publishThreeBundles(String folder, int payloadBytes) throws Exception {
    Path dir = temp.newFolder(folder).toPath();
    pipeline
        .apply(threeBundlesOfOneWindow(payloadBytes))
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(WriteParquet.to(dir.toString(), SCHEMA).withPrefix("events"));
    pipeline.run().waitUntilFinish();

    String file =
        "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet";
    assertEquals(List.of(file), parquetFiles(dir));
    assertThat("temporary files are published or deleted", tempFiles(dir), empty());
    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT name, octet_length(payload) AS bytes, len(tags) AS tags FROM "
                + DuckDb.parquetUnder(dir)
                + " ORDER BY name");
    assertEquals(6, rows.size());
    assertEquals("b0-1", rows.get(0).get("name"));
    assertEquals("b2-2", rows.get(5).get("name"));
    assertEquals((long) payloadBytes, ((Number) rows.get(3).get("bytes")).longValue());
    assertEquals(2L, ((Number) rows.get(3).get("tags")).longValue());
    return dir.resolve(file);
  }

  private static int rowGroups(Path file) throws Exception {
    return DuckDb.query(
            "SELECT DISTINCT row_group_id FROM parquet_metadata('" + file.toAbsolutePath() + "')")
        .size();
  }

  @Test
  public void aPaneOfManySmallBundlesIsPublishedAsOneFileWithFreshRowGroups() throws Exception {
    Path file = publishThreeBundles("small-bundles", 1);
    assertEquals("small files are rewritten, not kept a row group each", 1, rowGroups(file));
  }

  @Test
  public void aPaneOfLargeBundlesIsPublishedAsOneFileOfTheirRowGroups() throws Exception {
    // Random payloads do not compress: each bundle's file is over the small-file size.
    Path file = publishThreeBundles("large-bundles", (int) WriteParquet.SMALL_FILE_BYTES);
    assertEquals("large files are merged row group by row group", 3, rowGroups(file));
  }

  @Test
  public void aPaneLargerThanTheTargetSizeIsPublishedInSeveralFiles() throws Exception {
    Path dir = temp.newFolder("small-target").toPath();
    pipeline
        .apply(threeBundlesOfOneWindow())
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(WriteParquet.to(dir.toString(), SCHEMA).withPrefix("events").withTargetFileSize(1));
    pipeline.run().waitUntilFinish();

    String base = "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-0-shard-";
    assertEquals(
        List.of(
            base + "00000-of-00003.parquet",
            base + "00001-of-00003.parquet",
            base + "00002-of-00003.parquet"),
        parquetFiles(dir));
    // The pane's manifest, written last, lists exactly the published files and their rows.
    JsonNode manifest =
        manifest(dir, "date=2024-08-22/hour=13/_events-20240822T1300Z-20240822T1301Z-pane-0");
    assertEquals("ON_TIME", manifest.path("pane_timing").asText());
    assertEquals(6L, manifest.path("rows").asLong());
    assertTrue("rows without coordinates", manifest.path("source_offsets").isMissingNode());
    List<String> listed = new ArrayList<>();
    long rows = 0;
    for (JsonNode file : manifest.path("files")) {
      listed.add(file.path("path").asText());
      rows += file.path("rows").asLong();
      assertEquals(
          Files.size(dir.resolve(file.path("path").asText())), file.path("bytes").asLong());
    }
    assertEquals(parquetFiles(dir), listed);
    assertEquals(6L, rows);
    assertEquals(
        6L,
        ((Number)
                DuckDb.query("SELECT count(*) AS n FROM " + DuckDb.parquetUnder(dir))
                    .get(0)
                    .get("n"))
            .longValue());
  }

  @Test
  public void aManifestRecordsTheSourceOffsetsOfEachFileAndOfThePane() throws Exception {
    // Dead-letter coordinates: topic, partition, offset.
    Schema deadLetters =
        Schema.builder()
            .addStringField("topic")
            .addInt32Field("partition")
            .addInt64Field("offset")
            .addDateTimeField("ts")
            .build();
    List<TimestampedValue<Row>> rows = new ArrayList<>();
    long[][] coordinates = {{0, 10}, {0, 12}, {1, 7}, {0, 11}};
    for (int i = 0; i < coordinates.length; i++) {
      // The last row falls in the next minute: a window, and a manifest, of its own.
      Instant ts = T1300.plus(Duration.standardSeconds(i == 3 ? 65 : 5 + i));
      rows.add(
          TimestampedValue.of(
              Row.withSchema(deadLetters)
                  .addValues("wiki", (int) coordinates[i][0], coordinates[i][1], ts)
                  .build(),
              ts));
    }
    Path dir = temp.newFolder("offsets").toPath();
    pipeline
        .apply(Create.timestamped(rows).withCoder(RowCoder.of(deadLetters)))
        .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(
            WriteParquet.to(dir.toString(), deadLetters).withPrefix("dead").withTargetFileSize(1));
    pipeline.run().waitUntilFinish();

    JsonNode first =
        manifest(dir, "date=2024-08-22/hour=13/_dead-20240822T1300Z-20240822T1301Z-pane-0");
    assertEquals(
        "{\"wiki/0\":{\"first\":10,\"last\":12,\"rows\":2},"
            + "\"wiki/1\":{\"first\":7,\"last\":7,\"rows\":1}}",
        first.path("source_offsets").toString());
    // Each file's offsets are those of the rows DuckDB reads from it; together, the pane's.
    SourceOffsets files = new SourceOffsets();
    for (JsonNode file : first.path("files")) {
      SourceOffsets read = new SourceOffsets();
      for (Map<String, Object> row :
          DuckDb.query(
              "SELECT topic, \"partition\", \"offset\" FROM read_parquet('"
                  + dir.resolve(file.path("path").asText())
                  + "')")) {
        read.add(
            (String) row.get("topic"),
            ((Number) row.get("partition")).intValue(),
            ((Number) row.get("offset")).longValue());
      }
      assertEquals(read.toJson(), file.path("source_offsets").toString());
      files.addAll(read);
    }
    assertEquals(files.toJson(), first.path("source_offsets").toString());
    JsonNode second =
        manifest(dir, "date=2024-08-22/hour=13/_dead-20240822T1301Z-20240822T1302Z-pane-0");
    assertEquals(
        "{\"wiki/0\":{\"first\":11,\"last\":11,\"rows\":1}}",
        second.path("source_offsets").toString());
  }

  @Test
  public void publishingAPaneAgainAfterAFailureAtAnyPointGivesTheSameFiles() throws Exception {
    Path dir = temp.newFolder("republish").toPath();
    Path temps = Files.createDirectories(dir.resolve(WriteParquet.TEMP_FOLDER));
    List<KV<String, Long>> files = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      Path file = temps.resolve(name + ".parquet.inprogress");
      writeFlatFile(file, name);
      files.add(KV.of(file.toString(), Files.size(file)));
    }
    Path backup = temp.newFolder("backup").toPath();
    for (KV<String, Long> file : files) {
      Path source = Path.of(file.getKey());
      Files.copy(source, backup.resolve(source.getFileName()));
    }
    IntervalWindow window = new IntervalWindow(T1300, T1300.plus(Duration.standardMinutes(1)));
    WindowedFileNaming naming = WindowedFileNaming.of("events", ".parquet");

    List<ResourceId> first =
        WriteParquet.publishPane(
            dir.toString(), naming, 1 << 20, window, PaneInfo.ON_TIME_AND_ONLY_FIRING, files);
    Path published = Path.of(first.get(0).toString());
    byte[] bytes = Files.readAllBytes(published);
    assertEquals(List.of(published.toString()), List.of(first.get(0).toString()));
    assertThat(tempFiles(dir), empty());

    // As if the first attempt had died after the merge, before deleting its sources.
    for (KV<String, Long> file : files) {
      Path source = Path.of(file.getKey());
      Files.copy(backup.resolve(source.getFileName()), source);
    }
    List<ResourceId> second =
        WriteParquet.publishPane(
            dir.toString(), naming, 1 << 20, window, PaneInfo.ON_TIME_AND_ONLY_FIRING, files);
    assertEquals(first, second);
    assertTrue(Arrays.equals(bytes, Files.readAllBytes(published)));
    JsonNode manifest =
        manifest(dir, "date=2024-08-22/hour=13/_events-20240822T1300Z-20240822T1301Z-pane-0");
    assertEquals(2L, manifest.path("rows").asLong());
    assertEquals(
        dir.relativize(published).toString(), manifest.path("files").get(0).path("path").asText());
    assertThat(tempFiles(dir), empty());
    // And once more, with nothing left to do.
    WriteParquet.publishPane(
        dir.toString(), naming, 1 << 20, window, PaneInfo.ON_TIME_AND_ONLY_FIRING, files);
    assertEquals(List.of(dir.relativize(published).toString()), parquetFiles(dir));
    assertEquals(
        List.of("a", "b"),
        DuckDb.query("SELECT name FROM " + DuckDb.parquetUnder(dir) + " ORDER BY name").stream()
            .map(r -> r.get("name"))
            .collect(Collectors.toList()));

    // A temporary file that is gone before its pane was ever published is a loud failure.
    Path lost = temps.resolve("lost.parquet.inprogress");
    IntervalWindow next = new IntervalWindow(window.end(), window.end().plus(60_000));
    assertThrows(
        IOException.class,
        () ->
            WriteParquet.publishPane(
                dir.toString(),
                naming,
                1 << 20,
                next,
                PaneInfo.ON_TIME_AND_ONLY_FIRING,
                List.of(KV.of(lost.toString(), 100L))));
  }

  private static void writeFlatFile(Path file, String name) throws IOException {
    FlatRowParquetSink sink = new FlatRowParquetSink(FLAT);
    try (WritableByteChannel channel =
        Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(channel);
      sink.write(Row.withSchema(FLAT).addValues(name, null, 0, 1L, 0.5, true, T1300, null).build());
      sink.flush();
    }
  }

  @Test
  public void rejectsBadConfiguration() {
    assertThrows(IllegalArgumentException.class, () -> WriteParquet.to("", SCHEMA));
    assertThrows(
        IllegalArgumentException.class,
        () -> WriteParquet.to("/tmp/x", SCHEMA).withTargetFileSize(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> WriteParquet.to("/tmp/x", SCHEMA).withPrefix("../escape"));
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  private static List<String> parquetFiles(Path dir) throws Exception {
    return DuckDb.filesUnder(dir).stream()
        .filter(f -> f.endsWith(".parquet") && !f.startsWith(WriteParquet.TEMP_FOLDER))
        .collect(Collectors.toList());
  }

  /** The manifest {@code <name>.manifest.json} under {@code dir}; none half written beside it. */
  private static JsonNode manifest(Path dir, String name) throws IOException {
    Path manifest = dir.resolve(name + ".manifest.json");
    assertTrue("manifest " + manifest, Files.isRegularFile(manifest));
    assertFalse(Files.exists(dir.resolve(name + ".manifest.json.inprogress")));
    return new ObjectMapper().readTree(manifest.toFile());
  }

  private static List<String> tempFiles(Path dir) throws Exception {
    return DuckDb.filesUnder(dir).stream()
        .filter(f -> f.startsWith(WriteParquet.TEMP_FOLDER))
        .collect(Collectors.toList());
  }

  private static final Schema FLAT =
      Schema.builder()
          .addStringField("name")
          .addNullableField("note", FieldType.STRING)
          .addInt32Field("partition")
          .addNullableField("count", FieldType.INT64)
          .addDoubleField("ratio")
          .addNullableField("flag", FieldType.BOOLEAN)
          .addDateTimeField("ts")
          .addNullableField("seen", FieldType.DATETIME)
          .build();

  @Test
  public void flatRowsGoStraightToParquetWithTheColumnsAvroWouldGive() throws Exception {
    assertTrue(FlatRowParquetSink.supports(FLAT));
    assertFalse("nested rows still go through Avro", FlatRowParquetSink.supports(SCHEMA));
    List<Row> rows =
        List.of(
            Row.withSchema(FLAT)
                .addValues("a", "é ✓", 0, 42L, 0.5, true, T1300, T1400.plus(1))
                .build(),
            Row.withSchema(FLAT).addValues("b", null, 7, null, -1e300, null, T1400, null).build());
    Path direct = temp.newFolder("direct").toPath();
    Path avro = temp.newFolder("avro").toPath();
    PCollection<Row> input = pipeline.apply(Create.of(rows).withCoder(RowCoder.of(FLAT)));
    input.apply("Direct", WriteParquet.to(direct.toString(), FLAT));
    input.apply(
        "ViaAvro",
        FileIO.<Row>write()
            .via(new WriteParquet.ViaAvro(AvroUtils.toAvroSchema(FLAT)))
            .to(avro.toString())
            .withSuffix(".parquet")
            .withNumShards(1));
    pipeline.run().waitUntilFinish();

    assertEquals(DuckDb.columnTypes(avro), DuckDb.columnTypes(direct));
    String columns =
        "name, note, partition, count, ratio, flag, epoch_ms(ts) AS ts, epoch_ms(seen) AS seen";
    assertEquals(
        DuckDb.query("SELECT " + columns + " FROM " + DuckDb.parquetUnder(avro) + " ORDER BY 1"),
        DuckDb.query("SELECT " + columns + " FROM " + DuckDb.parquetUnder(direct) + " ORDER BY 1"));
    List<Map<String, Object>> read =
        DuckDb.query("SELECT note, count FROM " + DuckDb.parquetUnder(direct) + " ORDER BY name");
    assertEquals("é ✓", read.get(0).get("note"));
    assertEquals(42L, read.get(0).get("count"));
    assertNull(read.get(1).get("note"));
    // Parquet's own view of the columns: required where Beam's field is not nullable.
    Map<String, String> repetition = new java.util.TreeMap<>();
    for (Map<String, Object> column :
        DuckDb.query(
            "SELECT DISTINCT name, repetition_type FROM parquet_schema('"
                + direct.toAbsolutePath()
                + "/**/*.parquet') WHERE num_children IS NULL")) {
      repetition.put((String) column.get("name"), (String) column.get("repetition_type"));
    }
    assertEquals("REQUIRED", repetition.get("name"));
    assertEquals("OPTIONAL", repetition.get("note"));
    assertEquals("REQUIRED", repetition.get("ts"));
    assertEquals("OPTIONAL", repetition.get("seen"));
  }
}
