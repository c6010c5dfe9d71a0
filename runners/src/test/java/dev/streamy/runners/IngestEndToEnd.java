package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.pipelines.IngestPipeline;
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
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The whole product against a real Kafka broker, on the runner a subclass picks: the 3,059 real
 * recentchange events and generated good, bad and duplicate records go in; the ingest pipeline runs
 * once per subclass; every sink is read back (Parquet by DuckDB, Iceberg through its catalog, the
 * DLQ topic by a consumer) and every record is found in exactly the place the ledger says.
 *
 * <p>Iceberg tables are written to the default namespace "streamy". IcebergIO caches tables
 * JVM-wide by identifier alone, so two subclasses must not run in the same JVM (each Maven module
 * forks its own): the second would refresh the first one's table from a deleted warehouse.
 */
public abstract class IngestEndToEnd {

  private static final String TOPIC = "recentchange";
  private static final int GENERATED = 3_000;
  private static final int HUGE_KEY_BYTES = 1_200_000;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  /** The run of each concrete test class: made before its first test, shared by the others. */
  private static final Map<Class<?>, Run> RUNS = new HashMap<>();

  /** The run of this test's class. */
  private Run run;

  /**
   * Runs the ingest pipeline with {@code args} (the broker, topic, output folder, record bound,
   * shards and sinks; a subclass adds its runner's options) and returns the started run.
   */
  protected abstract PipelineResult runIngest(String... args) throws Exception;

  @Before
  public void runPipelineOnRealKafkaOnce() throws Exception {
    Run cached = RUNS.get(getClass());
    if (cached == null) {
      cached = new Run();
      RUNS.put(getClass(), cached); // before starting, so that a failed start is not repeated
      cached.start(this);
    }
    assertTrue("the run failed in the setup of this class's first test", cached.finished);
    run = cached;
  }

  @AfterClass
  public static void stopKafka() {
    RUNS.values().forEach(Run::close);
    RUNS.clear();
  }

  /** One run of the pipeline and what was sent to it and read back from it. */
  private static final class Run {

    private LocalKafka kafka;
    private Path output;
    private PipelineResult result;
    private boolean finished;

    /** Where each produced record should end: "EVENT", "DEDUPED" or "DLQ:<code>". */
    private final Map<String, String> expected = new HashMap<>();

    private final Map<String, byte[]> producedValues = new HashMap<>();
    private final Set<String> realOldFormat = new HashSet<>();
    private final Set<String> realEvents = new HashSet<>();
    private final Map<String, String> dedupedIds = new HashMap<>();
    private String hugeKeyAt;
    private long hugeKeyBytesInFiles = -1;

    private final Map<String, String> eventsByCoordinates = new HashMap<>(); // -> event id
    private final Map<String, String> deadLetterCodes = new HashMap<>(); // coordinates -> code
    private final Map<String, byte[]> deadLetterValues = new HashMap<>();
    private final Map<String, String> deadLetterViolations = new HashMap<>();

    void start(IngestEndToEnd test) throws Exception {
      kafka = LocalKafka.start();
      // Room for the generator's oversized records, which must reach the pipeline as TOO_LARGE.
      kafka.createTopic(TOPIC, 3, Map.of("max.message.bytes", Integer.toString(4 << 20)));
      kafka.createTopic(TOPIC + ".dlq", 1);
      output = TEMP.newFolder("out").toPath();

      produceRealEvents();
      generateEvents();
      produceHugeKey();
      assertEquals(RealEvents.lines().size() + GENERATED + 1, expected.size());

      result =
          test.runIngest(
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--inputTopic=" + TOPIC,
              "--output=" + output,
              "--maxRecords=" + expected.size(),
              "--targetFileSizeMb=1",
              "--sink=both");
      assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
      readBackParquet();
      finished = true;
    }

    void close() {
      if (kafka != null) {
        kafka.close();
      }
    }

    private void produceRealEvents() throws Exception {
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

    /**
     * A record the DLQ producer cannot send as it is: a key over its 1 MiB request limit (the input
     * topic takes 4 MiB). It fails parsing, so it must reach every dead-letter sink.
     */
    private void produceHugeKey() throws Exception {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
      byte[] key = new byte[HUGE_KEY_BYTES];
      Arrays.fill(key, (byte) 'k');
      byte[] value = "not json".getBytes(StandardCharsets.UTF_8);
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        RecordMetadata sent = producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
        hugeKeyAt = sent.topic() + "/" + sent.partition() + "/" + sent.offset();
      }
      expected.put(hugeKeyAt, "DLQ:PARSE_ERROR");
      producedValues.put(hugeKeyAt, value);
    }

    private void generateEvents() throws Exception {
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

    private void readBackParquet() throws Exception {
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
                    + " array_to_string(list_transform(violations, v -> v.path), ','),"
                    + " octet_length(key)"
                    + " FROM read_parquet('"
                    + output
                    + "/dead-letters/**/*.parquet')")) {
          while (rows.next()) {
            String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
            assertEquals(
                "dead letter written twice: " + at,
                null,
                deadLetterCodes.put(at, rows.getString(4)));
            deadLetterValues.put(at, rows.getBytes(5));
            deadLetterViolations.put(at, rows.getString(6));
            if (at.equals(hugeKeyAt)) {
              hugeKeyBytesInFiles = rows.getLong(7);
            }
          }
        }
      }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
      return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
  }

  @Test
  public void everyProducedRecordIsInExactlyOnePlace() {
    Set<String> seen = new HashSet<>(run.eventsByCoordinates.keySet());
    for (String at : run.deadLetterCodes.keySet()) {
      assertTrue("both an event and a dead letter: " + at, seen.add(at));
    }
    seen.addAll(run.dedupedIds.keySet());
    assertEquals(run.expected.keySet(), seen);
    assertEquals(
        run.expected.size(),
        run.eventsByCoordinates.size() + run.deadLetterCodes.size() + run.dedupedIds.size());
  }

  @Test
  public void everyRecordIsWhereTheLedgerSays() {
    List<String> misrouted = new ArrayList<>();
    run.expected.forEach(
        (at, outcome) -> {
          String actual =
              run.eventsByCoordinates.containsKey(at)
                  ? "EVENT"
                  : run.deadLetterCodes.containsKey(at)
                      ? "DLQ:" + run.deadLetterCodes.get(at)
                      : "DEDUPED";
          if (!actual.equals(outcome)) {
            misrouted.add(at + " expected " + outcome + " but was " + actual);
          }
        });
    assertEquals(List.of(), misrouted);
  }

  @Test
  public void duplicatesLeaveExactlyOneCopyOfTheirEvent() {
    assertTrue("the generator sent duplicates", run.dedupedIds.size() > 0);
    Map<String, Long> copies =
        run.eventsByCoordinates.values().stream()
            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    for (String id : run.dedupedIds.values()) {
      assertEquals("copies of " + id, Long.valueOf(1), copies.get(id));
    }
    assertEquals("no event id twice", run.eventsByCoordinates.size(), copies.size());
  }

  @Test
  public void realEventsSplitIntoValidAndOldFormatWithFieldLevelReasons() {
    assertEquals(
        2_879, run.realEvents.stream().filter(run.eventsByCoordinates::containsKey).count());
    assertEquals(180, run.realEvents.stream().filter(run.deadLetterCodes::containsKey).count());
    assertEquals(180, run.realOldFormat.size());
    for (String at : run.realOldFormat) {
      assertEquals("FIELD_MISSING", run.deadLetterCodes.get(at));
      assertTrue(
          run.deadLetterViolations.get(at), run.deadLetterViolations.get(at).contains("$schema"));
      assertTrue(
          run.deadLetterViolations.get(at),
          run.deadLetterViolations.get(at).contains("meta.stream"));
    }
  }

  @Test
  public void oversizedRecordsWereSentAndDeadLettered() {
    assertTrue(run.expected.containsValue("DLQ:TOO_LARGE"));
    assertTrue(run.deadLetterCodes.containsValue("TOO_LARGE"));
  }

  @Test
  public void deadLetterFilesKeepTheOriginalBytes() {
    run.deadLetterValues.forEach(
        (at, value) -> {
          assertTrue("never produced: " + at, run.producedValues.containsKey(at));
          byte[] sent = run.producedValues.get(at);
          if (!run.deadLetterCodes.get(at).equals("TOO_LARGE")) {
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
    try (KafkaConsumer<byte[], byte[]> consumer = run.consumer()) {
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
        assertTrue("never produced: " + at, run.producedValues.containsKey(at));
        if (!"TOO_LARGE".equals(header(record, "dlq.error.code"))) {
          assertArrayEquals(
              at, emptyToNull(run.producedValues.get(at)), emptyToNull(record.value()));
        }
        if (at.equals(run.hugeKeyAt)) {
          // Cut to what the producer can send, and marked; the files keep the whole key.
          assertEquals("key", header(record, "dlq.topic.truncated"));
          assertEquals(Integer.toString(HUGE_KEY_BYTES), header(record, "dlq.key.size"));
          assertTrue(record.key().length > 1_000_000 && record.key().length < HUGE_KEY_BYTES);
          assertEquals(HUGE_KEY_BYTES, run.hugeKeyBytesInFiles);
        } else {
          assertEquals(at, null, header(record, "dlq.topic.truncated"));
        }
        assertEquals(IngestPipeline.NAME, header(record, "dlq.pipeline"));
      }
    }
    assertEquals(run.deadLetterCodes, topicCodes);
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
                    + run.output
                    + "/aggregates/**/*.parquet')) WHERE newest = 1")) {
      total.next();
      assertEquals(run.eventsByCoordinates.size(), total.getLong(1));
      // A bounded run: the watermark jumps to the end once, so each window fires once.
      assertEquals(1, total.getInt(2));
      assertEquals("ON_TIME", total.getString(3));
    }
  }

  @Test
  public void countersAgreeWithWhatWasWritten() {
    Map<String, Long> counters = IngestPipeline.counters(run.result);
    assertEquals(Long.valueOf(run.expected.size()), counters.get("records_read"));
    assertEquals(Long.valueOf(run.dedupedIds.size()), counters.get("duplicates_removed"));
    assertEquals(Long.valueOf(run.eventsByCoordinates.size()), counters.get("events_windowed"));
    assertThat(
        run.deadLetterCodes.values().stream().distinct().collect(Collectors.toList()),
        containsInAnyOrder(
            run.expected.values().stream()
                .filter(v -> v.startsWith("DLQ:"))
                .map(v -> v.substring(4))
                .distinct()
                .toArray()));
  }

  @Test
  public void icebergTablesHoldExactlyWhatTheParquetFilesHold() throws Exception {
    Map<String, String> icebergEvents = new HashMap<>();
    for (Record row : IcebergTables.rows(run.output, "streamy", IngestPipeline.EVENTS_TABLE)) {
      String at =
          row.getField("_topic") + "/" + row.getField("_partition") + "/" + row.getField("_offset");
      assertEquals(
          "event twice in Iceberg: " + at,
          null,
          icebergEvents.put(at, (String) row.getField("meta_id")));
    }
    assertEquals(run.eventsByCoordinates, icebergEvents);

    Map<String, String> icebergDeadLetters = new HashMap<>();
    for (Record row :
        IcebergTables.rows(run.output, "streamy", IngestPipeline.DEAD_LETTERS_TABLE)) {
      String at =
          row.getField("topic") + "/" + row.getField("partition") + "/" + row.getField("offset");
      assertEquals(null, icebergDeadLetters.put(at, (String) row.getField("errorCode")));
      java.nio.ByteBuffer value = (java.nio.ByteBuffer) row.getField("value");
      byte[] bytes = value == null ? null : new byte[value.remaining()];
      if (value != null) {
        value.duplicate().get(bytes);
      }
      assertArrayEquals(at, emptyToNull(run.deadLetterValues.get(at)), emptyToNull(bytes));
    }
    assertEquals(run.deadLetterCodes, icebergDeadLetters);

    List<String> icebergAggregates = new ArrayList<>();
    for (Record row : IcebergTables.rows(run.output, "streamy", IngestPipeline.AGGREGATES_TABLE)) {
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
                    + run.output
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
