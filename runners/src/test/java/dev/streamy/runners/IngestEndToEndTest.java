package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Ledger;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.testing.RealEvents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The whole product against a real Kafka broker: the 3,059 real recentchange events and generated
 * good, bad and duplicate records go in; the ingest pipeline runs on the DirectRunner; every sink
 * is read back (Parquet by DuckDB, the DLQ topic by a consumer) and every record is found in
 * exactly the place the ledger says.
 */
public class IngestEndToEndTest {

  private static final String TOPIC = "recentchange";
  private static final int GENERATED = 3_000;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path output;
  private static PipelineResult result;

  /** Where each produced record should end: "EVENT", "DEDUPED" or "DLQ:<code>". */
  private static final Map<String, String> expected = new HashMap<>();

  private static final Map<String, byte[]> producedValues = new HashMap<>();
  private static final Set<String> realOldFormat = new HashSet<>();
  private static final Set<String> realEvents = new HashSet<>();
  private static final Map<String, String> dedupedIds = new HashMap<>();

  private static Map<String, String> eventsByCoordinates; // coordinates -> event id
  private static Map<String, String> deadLetterCodes; // coordinates -> code
  private static Map<String, byte[]> deadLetterValues;
  private static Map<String, String> deadLetterViolations;

  @BeforeClass
  public static void runPipelineOnRealKafka() throws Exception {
    kafka = LocalKafka.start();
    // Room for the generator's oversized records, which must reach the pipeline as TOO_LARGE.
    kafka.createTopic(TOPIC, 3, Map.of("max.message.bytes", Integer.toString(4 << 20)));
    kafka.createTopic(TOPIC + ".dlq", 1);
    output = TEMP.newFolder("out").toPath();

    produceRealEvents();
    generateEvents();
    assertEquals(RealEvents.lines().size() + GENERATED, expected.size());

    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--maxRecords=" + expected.size(),
                "--numShards=2",
                "--sink=both")
            .withValidation()
            .as(IngestOptions.class);
    result = IngestPipeline.run(options);
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    readBackParquet();
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static void produceRealEvents() throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[] line : RealEvents.lines()) {
        RecordMetadata sent = producer.send(new ProducerRecord<>(TOPIC, null, line)).get();
        String at = sent.topic() + "/" + sent.partition() + "/" + sent.offset();
        boolean current =
            new String(line, StandardCharsets.UTF_8)
                .startsWith("{\"$schema\":\"/mediawiki/recentchange/1.0.0\"");
        expected.put(at, current ? "EVENT" : "DLQ:FIELD_MISSING");
        if (!current) {
          realOldFormat.add(at);
        }
        producedValues.put(at, line);
        realEvents.add(at);
      }
    }
    assertEquals(3_059, realEvents.size());
  }

  private static void generateEvents() throws Exception {
    Path ledger = output.resolveSibling("ledger.ndjson");
    for (Ledger.Entry entry : Generated.send(kafka, TOPIC, GENERATED, 0.2, 0.03, 7, ledger)) {
      String at = TOPIC + "/" + entry.partition() + "/" + entry.offset();
      expected.put(at, entry.expected());
      if (entry.expected().equals("DEDUPED")) {
        dedupedIds.put(at, entry.eventId());
      }
    }
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      for (ConsumerRecord<byte[], byte[]> record : readAll(consumer, TOPIC)) {
        producedValues.put(
            record.topic() + "/" + record.partition() + "/" + record.offset(), record.value());
      }
    }
  }

  private static void readBackParquet() throws Exception {
    eventsByCoordinates = new HashMap<>();
    deadLetterCodes = new HashMap<>();
    deadLetterValues = new HashMap<>();
    deadLetterViolations = new HashMap<>();
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT _topic, _partition, _offset, meta_id FROM read_parquet('"
                  + output
                  + "/events/**/*.parquet')")) {
        while (rows.next()) {
          String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
          assertEquals(
              "event written twice: " + at, null, eventsByCoordinates.put(at, rows.getString(4)));
        }
      }
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT topic, partition, \"offset\", errorCode, value,"
                  + " array_to_string(list_transform(violations, v -> v.path), ',')"
                  + " FROM read_parquet('"
                  + output
                  + "/dead-letters/**/*.parquet')")) {
        while (rows.next()) {
          String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
          assertEquals(
              "dead letter written twice: " + at, null, deadLetterCodes.put(at, rows.getString(4)));
          deadLetterValues.put(at, rows.getBytes(5));
          deadLetterViolations.put(at, rows.getString(6));
        }
      }
    }
  }

  @Test
  public void everyProducedRecordIsInExactlyOnePlace() {
    Set<String> seen = new HashSet<>(eventsByCoordinates.keySet());
    for (String at : deadLetterCodes.keySet()) {
      assertTrue("both an event and a dead letter: " + at, seen.add(at));
    }
    seen.addAll(dedupedIds.keySet());
    assertEquals(expected.keySet(), seen);
    assertEquals(
        expected.size(), eventsByCoordinates.size() + deadLetterCodes.size() + dedupedIds.size());
  }

  @Test
  public void everyRecordIsWhereTheLedgerSays() {
    List<String> misrouted = new ArrayList<>();
    expected.forEach(
        (at, outcome) -> {
          String actual =
              eventsByCoordinates.containsKey(at)
                  ? "EVENT"
                  : deadLetterCodes.containsKey(at) ? "DLQ:" + deadLetterCodes.get(at) : "DEDUPED";
          if (!actual.equals(outcome)) {
            misrouted.add(at + " expected " + outcome + " but was " + actual);
          }
        });
    assertEquals(List.of(), misrouted);
  }

  @Test
  public void duplicatesLeaveExactlyOneCopyOfTheirEvent() {
    assertTrue("the generator sent duplicates", dedupedIds.size() > 0);
    Map<String, Long> copies =
        eventsByCoordinates.values().stream()
            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    for (String id : dedupedIds.values()) {
      assertEquals("copies of " + id, Long.valueOf(1), copies.get(id));
    }
    assertEquals("no event id twice", eventsByCoordinates.size(), copies.size());
  }

  @Test
  public void realEventsSplitIntoValidAndOldFormatWithFieldLevelReasons() {
    assertEquals(2_879, realEvents.stream().filter(eventsByCoordinates::containsKey).count());
    assertEquals(180, realEvents.stream().filter(deadLetterCodes::containsKey).count());
    assertEquals(180, realOldFormat.size());
    for (String at : realOldFormat) {
      assertEquals("FIELD_MISSING", deadLetterCodes.get(at));
      assertTrue(deadLetterViolations.get(at), deadLetterViolations.get(at).contains("$schema"));
      assertTrue(
          deadLetterViolations.get(at), deadLetterViolations.get(at).contains("meta.stream"));
    }
  }

  @Test
  public void oversizedRecordsWereSentAndDeadLettered() {
    assertTrue(expected.containsValue("DLQ:TOO_LARGE"));
    assertTrue(deadLetterCodes.containsValue("TOO_LARGE"));
  }

  @Test
  public void deadLetterFilesKeepTheOriginalBytes() {
    deadLetterValues.forEach(
        (at, value) -> {
          assertTrue("never produced: " + at, producedValues.containsKey(at));
          byte[] sent = producedValues.get(at);
          if (!deadLetterCodes.get(at).equals("TOO_LARGE")) {
            assertArrayEquals("bytes of " + at, emptyToNull(sent), emptyToNull(value));
          } else {
            // Oversized values keep a prefix; size and hash of the whole are recorded.
            assertEquals(DeadLetter.MAX_KEPT_OVERSIZED_BYTES, value.length);
            assertArrayEquals(Arrays.copyOf(sent, value.length), value);
          }
        });
  }

  @Test
  public void deadLetterTopicHoldsTheSameRecordsByteForByteWithDlqHeaders() throws Exception {
    Map<String, String> topicCodes = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      for (ConsumerRecord<byte[], byte[]> record : readAll(consumer, TOPIC + ".dlq")) {
        String at =
            header(record, "dlq.source.topic")
                + "/"
                + header(record, "dlq.source.partition")
                + "/"
                + header(record, "dlq.source.offset");
        assertEquals(
            "in the DLQ topic twice: " + at,
            null,
            topicCodes.put(at, header(record, "dlq.error.code")));
        assertTrue("never produced: " + at, producedValues.containsKey(at));
        if (!"TOO_LARGE".equals(header(record, "dlq.error.code"))) {
          assertArrayEquals(at, emptyToNull(producedValues.get(at)), emptyToNull(record.value()));
        }
        assertEquals(IngestPipeline.NAME, header(record, "dlq.pipeline"));
      }
    }
    assertEquals(deadLetterCodes, topicCodes);
  }

  @Test
  public void aggregatesAddUpToTheEventsWritten() throws Exception {
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet total =
            sql.executeQuery(
                "SELECT sum(event_count), count(DISTINCT pane_timing), min(pane_timing) FROM ("
                    + " SELECT *, row_number() OVER (PARTITION BY window_start, wiki, type"
                    + " ORDER BY pane_index DESC) AS newest FROM read_parquet('"
                    + output
                    + "/aggregates/**/*.parquet')) WHERE newest = 1")) {
      total.next();
      assertEquals(eventsByCoordinates.size(), total.getLong(1));
      // A bounded run: the watermark jumps to the end once, so every pane is on time.
      assertEquals(1, total.getInt(2));
      assertEquals("ON_TIME", total.getString(3));
    }
  }

  @Test
  public void countersAgreeWithWhatWasWritten() {
    Map<String, Long> counters = Streamy.counters(result);
    assertEquals(Long.valueOf(expected.size()), counters.get("records_read"));
    assertEquals(Long.valueOf(dedupedIds.size()), counters.get("duplicates_removed"));
    assertEquals(Long.valueOf(eventsByCoordinates.size()), counters.get("events_windowed"));
    assertThat(
        deadLetterCodes.values().stream().distinct().collect(Collectors.toList()),
        containsInAnyOrder(
            expected.values().stream()
                .filter(v -> v.startsWith("DLQ:"))
                .map(v -> v.substring(4))
                .distinct()
                .toArray()));
  }

  @Test
  public void icebergTablesHoldExactlyWhatTheParquetFilesHold() throws Exception {
    Map<String, String> icebergEvents = new HashMap<>();
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.EVENTS_TABLE)) {
      String at =
          row.getField("_topic") + "/" + row.getField("_partition") + "/" + row.getField("_offset");
      assertEquals(
          "event twice in Iceberg: " + at,
          null,
          icebergEvents.put(at, (String) row.getField("meta_id")));
    }
    assertEquals(eventsByCoordinates, icebergEvents);

    Map<String, String> icebergDeadLetters = new HashMap<>();
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.DEAD_LETTERS_TABLE)) {
      String at =
          row.getField("topic") + "/" + row.getField("partition") + "/" + row.getField("offset");
      assertEquals(null, icebergDeadLetters.put(at, (String) row.getField("errorCode")));
      java.nio.ByteBuffer value = (java.nio.ByteBuffer) row.getField("value");
      byte[] bytes = value == null ? null : new byte[value.remaining()];
      if (value != null) {
        value.duplicate().get(bytes);
      }
      assertArrayEquals(at, emptyToNull(deadLetterValues.get(at)), emptyToNull(bytes));
    }
    assertEquals(deadLetterCodes, icebergDeadLetters);

    List<String> icebergAggregates = new ArrayList<>();
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.AGGREGATES_TABLE)) {
      icebergAggregates.add(
          ((java.time.OffsetDateTime) row.getField("window_start")).toInstant().toEpochMilli()
              + "|"
              + row.getField("wiki")
              + "|"
              + row.getField("type")
              + "|"
              + row.getField("pane_index")
              + "|"
              + row.getField("event_count")
              + "|"
              + row.getField("distinct_user_count")
              + "|"
              + row.getField("bytes_changed_sum"));
    }
    List<String> parquetAggregates = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT epoch_ms(window_start), wiki, type, pane_index, event_count,"
                    + " distinct_user_count, bytes_changed_sum FROM read_parquet('"
                    + output
                    + "/aggregates/**/*.parquet')")) {
      while (rows.next()) {
        parquetAggregates.add(
            rows.getLong(1)
                + "|"
                + rows.getString(2)
                + "|"
                + rows.getString(3)
                + "|"
                + rows.getLong(4)
                + "|"
                + rows.getLong(5)
                + "|"
                + rows.getLong(6)
                + "|"
                + rows.getObject(7));
      }
    }
    assertThat(icebergAggregates, containsInAnyOrder(parquetAggregates.toArray()));
    assertTrue(parquetAggregates.size() > 0);
  }

  private static byte[] emptyToNull(byte[] bytes) {
    return bytes == null || bytes.length == 0 ? null : bytes;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Every record of a topic, read from the beginning up to the end offsets seen at the start. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toList());
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
