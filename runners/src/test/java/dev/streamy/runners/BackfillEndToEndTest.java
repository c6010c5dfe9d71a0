package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.io.LandedRecords;
import dev.streamy.io.OffsetRange;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Backfills against a real broker, into the output of an earlier run, checked record by record
 * against the generator's ledger: a first run lands a part of the topic under the stream's names; a
 * backfill by offsets overlapping it, one by time and one of the whole log add exactly what is
 * missing; a repeated backfill adds nothing. After each run every ledger record of the offsets
 * covered so far is in exactly the place the ledger says (an event, a dead letter with its code, or
 * removed as a duplicate of an event that is there once), in the Parquet files, the Iceberg tables
 * and the DLQ topic, and no record outside them is.
 */
public class BackfillEndToEndTest {

  private static final String TOPIC = "wiki";
  private static final int PARTITIONS = 3;
  private static final int GENERATED = 1_500;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Map<String, Ledger.Entry> ledger; // by topic/partition/offset
  private static Map<Integer, Long> logEnds;

  @BeforeClass
  public static void produce() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, PARTITIONS);
    kafka.createTopic(TOPIC + ".dlq", 1);
    ledger = new TreeMap<>();
    for (Ledger.Entry entry :
        Generated.send(
            kafka,
            TOPIC,
            GENERATED,
            0.2,
            0.05,
            23,
            TEMP.getRoot().toPath().resolve("ledger.ndjson"))) {
      ledger.put(at(entry.partition(), entry.offset()), entry);
    }
    assertEquals(GENERATED, ledger.size());
    assertTrue(
        "the generator sent duplicates",
        ledger.values().stream().anyMatch(e -> e.expected().equals("DEDUPED")));
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(false)) {
      logEnds = new TreeMap<>();
      consumer.endOffsets(partitions()).forEach((tp, end) -> logEnds.put(tp.partition(), end));
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void backfillsAddExactlyWhatIsMissingAndNothingTwice() throws Exception {
    Path output = TEMP.newFolder("out").toPath();
    Set<String> covered = new HashSet<>();

    // 1. What a stream landed: a part of the topic, under the stream's file names and sink id.
    Map<String, Long> first = run(output, "--maxRecords=600");
    assertEquals(Long.valueOf(600), first.get("records_read"));
    Map<Integer, Long> landedEnd = new TreeMap<>();
    Contents afterFirst = Contents.read(output);
    for (String at : afterFirst.all()) {
      landedEnd.merge(partitionOf(at), offsetOf(at) + 1, Math::max);
    }
    for (int p = 0; p < PARTITIONS; p++) {
      // A partition's last records may be duplicates, which land nowhere: covered up to the quota.
      cover(covered, p, 0, landedEnd.getOrDefault(p, 0L));
    }
    assertExactlyOnce(covered, afterFirst, output);

    // 2. A backfill by offsets that overlaps the first run's and goes beyond it.
    List<String> start = new ArrayList<>();
    List<String> end = new ArrayList<>();
    long overlapping = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      long from = landedEnd.getOrDefault(p, 0L) / 2;
      long to = Math.max(from, logEnds.get(p) * 3 / 4);
      overlapping += Math.max(0, Math.min(to, landedEnd.getOrDefault(p, 0L)) - from);
      start.add(p + ":" + from);
      end.add(p + ":" + to);
      cover(covered, p, from, to);
    }
    assertTrue("the backfill overlaps the first run", overlapping > 100);
    Map<String, Long> second =
        run(
            output,
            "--startOffsets=" + String.join(",", start),
            "--endOffsets=" + String.join(",", end));
    assertTrue(second.getOrDefault("records_read", 0L) > 0);
    assertExactlyOnce(covered, Contents.read(output), output);

    // 3. A backfill by time: from the first record's timestamp to one in the middle of the log.
    long middle;
    long earliest;
    Map<Integer, Long> timeEnds = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(false)) {
      List<ConsumerRecord<byte[], byte[]>> all = readAll(consumer, TOPIC);
      List<Long> times = all.stream().map(ConsumerRecord::timestamp).sorted().toList();
      earliest = times.get(0);
      middle = times.get(times.size() * 7 / 8);
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions().forEach(tp -> query.put(tp, middle));
      for (Map.Entry<TopicPartition, OffsetAndTimestamp> found :
          consumer.offsetsForTimes(query).entrySet()) {
        timeEnds.put(
            found.getKey().partition(),
            found.getValue() == null
                ? logEnds.get(found.getKey().partition())
                : found.getValue().offset());
      }
    }
    for (int p = 0; p < PARTITIONS; p++) {
      cover(covered, p, 0, timeEnds.get(p));
    }
    run(
        output,
        "--startTime=" + Instant.ofEpochMilli(earliest),
        "--endTime=" + middle); // ISO-8601 and epoch milliseconds both
    assertExactlyOnce(covered, Contents.read(output), output);

    // 4. The whole log, from explicit offsets: adds the rest, and everything is there once.
    run(output, "--startOffsets=0:0,1:0,2:0");
    for (int p = 0; p < PARTITIONS; p++) {
      cover(covered, p, 0, logEnds.get(p));
    }
    assertEquals(ledger.keySet(), covered);
    assertExactlyOnce(covered, Contents.read(output), output);

    // Each sink on its own finds every landed offset, and leaves exactly the duplicates as gaps.
    Contents complete = Contents.read(output);
    long duplicateCount =
        ledger.values().stream().filter(e -> e.expected().equals("DEDUPED")).count();
    List<OffsetRange> whole = new ArrayList<>();
    logEnds.forEach((p, logEnd) -> whole.add(OffsetRange.of(TOPIC, p, 0, logEnd)));
    LandedRecords inFiles = LandedRecords.none(whole).inParquet(output.toString(), "meta_id");
    LandedRecords inTables =
        LandedRecords.none(whole)
            .inIceberg(
                IcebergCatalogSettings.hadoop(output.resolve("warehouse").toString()),
                "streamy",
                IngestPipeline.EVENTS_TABLE,
                IngestPipeline.DEAD_LETTERS_TABLE,
                "meta_id");
    for (LandedRecords sink : List.of(inFiles, inTables)) {
      assertEquals(complete.all().size(), sink.landedCount());
      assertEquals(duplicateCount, sink.gaps().stream().mapToLong(OffsetRange::size).sum());
      assertEquals(new HashSet<>(complete.events.values()), sink.eventIds());
    }

    // 5. Again: only the removed duplicates, which land nowhere, are read again, and are removed
    // again as copies of events the output holds; nothing is written.
    List<Path> files = publishedFiles(output);
    Map<String, Long> again = run(output, "--startOffsets=0:0,1:0,2:0");
    long duplicates = ledger.values().stream().filter(e -> e.expected().equals("DEDUPED")).count();
    assertEquals(duplicates, (long) again.getOrDefault("records_read", 0L));
    assertEquals(duplicates, (long) again.getOrDefault("duplicates_removed", 0L));
    assertEquals(0L, (long) again.getOrDefault("events_windowed", 0L));
    assertEquals(0L, (long) again.getOrDefault("dead_letters_written", 0L));
    assertEquals(files, publishedFiles(output));
    assertExactlyOnce(covered, Contents.read(output), output);
  }

  /** Every ledger record of {@code covered} once where the ledger says; nothing else. */
  private static void assertExactlyOnce(Set<String> covered, Contents contents, Path output)
      throws Exception {
    List<String> wrong = new ArrayList<>();
    Map<String, String> eventAtOfId = new HashMap<>();
    contents.events.forEach(
        (at, id) -> {
          String before = eventAtOfId.put(id, at);
          if (before != null) {
            wrong.add("event " + id + " twice: at " + before + " and " + at);
          }
        });
    for (Map.Entry<String, Ledger.Entry> record : ledger.entrySet()) {
      String at = record.getKey();
      String expected = record.getValue().expected();
      String actual =
          contents.events.containsKey(at)
              ? "EVENT"
              : contents.deadLetters.containsKey(at)
                  ? "DLQ:" + contents.deadLetters.get(at)
                  : covered.contains(at) ? "DEDUPED" : "NOT READ";
      String wanted = covered.contains(at) ? expected : "NOT READ";
      if (!actual.equals(wanted)) {
        wrong.add(at + " expected " + wanted + " but was " + actual);
      }
      if (actual.equals("DEDUPED") && !eventAtOfId.containsKey(record.getValue().eventId())) {
        wrong.add(at + " was removed as a duplicate of an event that is not there");
      }
    }
    for (String at : contents.all()) {
      if (!ledger.containsKey(at)) {
        wrong.add(at + " was never produced");
      }
    }
    wrong.addAll(contents.twice);
    assertEquals(List.of(), wrong);

    assertEquals(contents.events, icebergRows(output, IngestPipeline.EVENTS_TABLE, "_", "meta_id"));
    assertEquals(
        contents.deadLetters,
        icebergRows(output, IngestPipeline.DEAD_LETTERS_TABLE, "", "errorCode"));
    assertEquals(contents.deadLetters, dlqTopic());
  }

  /** The events and dead letters of the Parquet files under {@code output}. */
  private static final class Contents {
    final Map<String, String> events = new HashMap<>(); // at -> event id
    final Map<String, String> deadLetters = new HashMap<>(); // at -> error code
    final List<String> twice = new ArrayList<>();

    static Contents read(Path output) throws Exception {
      Contents contents = new Contents();
      Class.forName("org.duckdb.DuckDBDriver");
      try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
          Statement sql = db.createStatement()) {
        if (Files.isDirectory(output.resolve("events"))) {
          try (ResultSet rows =
              sql.executeQuery(
                  "SELECT _topic, _partition, _offset, meta_id FROM read_parquet('"
                      + output
                      + "/events/**/*.parquet')")) {
            while (rows.next()) {
              String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
              if (contents.events.put(at, rows.getString(4)) != null) {
                contents.twice.add("event file row twice: " + at);
              }
            }
          }
        }
        if (Files.isDirectory(output.resolve("dead-letters"))) {
          try (ResultSet rows =
              sql.executeQuery(
                  "SELECT topic, partition, \"offset\", errorCode FROM read_parquet('"
                      + output
                      + "/dead-letters/**/*.parquet')")) {
            while (rows.next()) {
              String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
              if (contents.deadLetters.put(at, rows.getString(4)) != null) {
                contents.twice.add("dead-letter file row twice: " + at);
              }
              if (contents.events.containsKey(at)) {
                contents.twice.add("both an event and a dead letter: " + at);
              }
            }
          }
        }
      }
      return contents;
    }

    Set<String> all() {
      Set<String> all = new TreeSet<>(events.keySet());
      all.addAll(deadLetters.keySet());
      return all;
    }
  }

  /** Runs the ingest with {@code args} into {@code output}; returns its counters. */
  private static Map<String, Long> run(Path output, String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--sink=both",
                "--targetFileSizeMb=1"));
    all.addAll(List.of(args));
    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(all.toArray(new String[0]))
            .withValidation()
            .as(IngestOptions.class);
    PipelineResult result = IngestPipeline.run(Settings.from(options));
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    return IngestPipeline.counters(result);
  }

  /** {@code at -> value} of every row of a table, failing on a coordinate twice. */
  private static Map<String, String> icebergRows(
      Path output, String table, String prefix, String value) throws IOException {
    Map<String, String> rows = new HashMap<>();
    for (Record row : IcebergTables.rows(output, "streamy", table)) {
      String at =
          row.getField(prefix + "topic")
              + "/"
              + row.getField(prefix + "partition")
              + "/"
              + row.getField(prefix + "offset");
      assertNull(table + " holds " + at + " twice", rows.put(at, (String) row.getField(value)));
    }
    return rows;
  }

  /** {@code at -> error code} of the committed records of the DLQ topic, failing on one twice. */
  private static Map<String, String> dlqTopic() {
    Map<String, String> codes = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(true)) {
      for (ConsumerRecord<byte[], byte[]> record : readAll(consumer, TOPIC + ".dlq")) {
        String at =
            header(record, "dlq.source.topic")
                + "/"
                + header(record, "dlq.source.partition")
                + "/"
                + header(record, "dlq.source.offset");
        assertNull(
            "in the DLQ topic twice: " + at, codes.put(at, header(record, "dlq.error.code")));
      }
    }
    return codes;
  }

  /** The published files under {@code output} (no hidden ones), in order. */
  private static List<Path> publishedFiles(Path output) throws IOException {
    try (Stream<Path> files = Files.walk(output)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f ->
                  !output.relativize(f).toString().contains("/.")
                      && !output.relativize(f).toString().startsWith("."))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static void cover(Set<String> covered, int partition, long from, long to) {
    for (long offset = from; offset < to; offset++) {
      covered.add(at(partition, offset));
    }
  }

  private static String at(int partition, long offset) {
    return TOPIC + "/" + partition + "/" + offset;
  }

  private static int partitionOf(String at) {
    return Integer.parseInt(at.split("/")[1]);
  }

  private static long offsetOf(String at) {
    return Long.parseLong(at.split("/")[2]);
  }

  private static List<TopicPartition> partitions() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      partitions.add(new TopicPartition(TOPIC, p));
    }
    return partitions;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(boolean readCommitted) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    if (readCommitted) {
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * Every record of a topic up to its end offsets now; a read_committed consumer stops at the last
   * stable offset, and commit markers land after the records, so it reads to the log end.
   */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toList());
    assertNotNull(partitions);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
      assertTrue("reading " + topic + " took over 60 s", System.nanoTime() < deadline);
      consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    }
    return records;
  }
}
