package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.io.ReadDeadLetters;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import dev.streamy.transforms.testing.RealEvents;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The replay story against a real broker, record by record against what was produced: a contract
 * too strict (only wikipedia.org wikis) dead-letters good events, a fixed contract (a new version)
 * replays them and they land once; the same replay again adds nothing; records that fail again go
 * back to the dead letters with their attempt counted until {@code --maxAttempts} refuses them; a
 * {@code TOO_LARGE} record is replayed from its whole original bytes, re-read from the source
 * topic. The dry run's counts by code are the ingest's summary counts.
 */
public class ReplayEndToEndTest {

  private static final String TOPIC = "recentchange";
  private static final int NOT_JSON = 12;
  private static final int LARGE_COMMENT_CHARS = 1_500_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path output;
  private static Path strict;
  private static Path fixed;

  /** Where each produced record must end after the fixed replay: "EVENT" or "DLQ:<code>". */
  private static final Map<String, String> ledger = new TreeMap<>();

  private static final List<String> tooStrict = new ArrayList<>();
  private static final List<String> notJson = new ArrayList<>();
  private static String large;
  private static Map<String, Long> ingestCounters;

  @BeforeClass
  public static void ingestWithTheStrictContract() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
    kafka.createTopic(TOPIC + ".dlq", 1);
    output = TEMP.newFolder("out").toPath();
    strict = contract("1.1.0-strict", true);
    fixed = contract("1.1.1", false);
    produce();

    IngestOptions options =
        PipelineArgs.parse(
            IngestOptions.class,
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--contract=" + strict,
                "--sink=both",
                "--maxRecords=" + ledger.size()));
    PipelineResult result = IngestPipeline.run(Settings.from(options));
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    ingestCounters = IngestPipeline.counters(result);
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void theStoryEndToEnd() throws Exception {
    // The strict ingest: every too-strict record is a FIELD_INVALID dead letter, stamped with the
    // contract version that judged it.
    Map<String, DeadLetter> first = deadLetters();
    for (String at : tooStrict) {
      assertEquals(at, "FIELD_INVALID", first.get(at + "@0").getErrorCode());
      assertEquals(
          "0.1.0+mediawiki-recentchange-1.1.0-strict", first.get(at + "@0").getPipelineVersion());
    }

    // The dry run counts what the ingest's summary counted, and changes nothing.
    String dry = replay("--dryRun=true");
    Map<ErrorCode, Long> summary = StreamyCounters.deadLettersByCode(ingestCounters);
    long total = 0;
    for (Map.Entry<ErrorCode, Long> code : summary.entrySet()) {
      if (code.getValue() > 0) {
        assertEquals(dry, (long) code.getValue(), countIn(dry, code.getKey().name()));
        total += code.getValue();
      }
    }
    assertEquals(dry, total, countIn(dry, "would replay"));
    assertFalse(Files.exists(output.resolve("replays/ledger.jsonl")));

    // The fixed contract: the too-strict ones land as events, once; the old format stays out.
    String fixedRun =
        replay(
            "--contract=" + fixed,
            "--writtenBy=mediawiki-recentchange-1.1.0-strict",
            "--errorCodes=FIELD_INVALID");
    assertEquals(fixedRun, tooStrict.size(), countIn(fixedRun, "events"));
    Map<String, String> events = events();
    for (String at : tooStrict) {
      assertTrue("replayed event missing: " + at, events.containsKey(at));
    }

    assertEquals(events, icebergEvents());

    // A replay that wrote everything but stopped before its ledger said so: the next one takes
    // back what it wrote and runs it again under its own id, and each event is still there once.
    Path ledgerFile = output.resolve("replays/ledger.jsonl");
    List<String> lines = Files.readAllLines(ledgerFile);
    assertTrue(lines.get(lines.size() - 1).contains("\"finished\""));
    Files.write(ledgerFile, lines.subList(0, lines.size() - 1));
    String rerun = replay("--contract=" + fixed);
    assertTrue(rerun, rerun.contains("took back what replay"));
    assertEquals(rerun, tooStrict.size(), countIn(rerun, "events"));
    assertEquals(events, events());
    assertEquals(events, icebergEvents());

    // The same replay again adds nothing: no file, no ledger line but its own "nothing" answer.
    List<Path> filesBefore = files();
    long ledgerLines = Files.readAllLines(output.resolve("replays/ledger.jsonl")).size();
    String again =
        replay(
            "--contract=" + fixed,
            "--writtenBy=mediawiki-recentchange-1.1.0-strict",
            "--errorCodes=FIELD_INVALID");
    assertTrue(again, again.contains("nothing to replay"));
    assertEquals(filesBefore, files());
    assertEquals(ledgerLines, Files.readAllLines(output.resolve("replays/ledger.jsonl")).size());

    // The TOO_LARGE record, with a limit that fits it: its whole value, not the kept 64 KiB.
    assertTrue(first.get(large + "@0").isValueTruncated());
    String largeRun =
        replay("--contract=" + fixed, "--errorCodes=TOO_LARGE", "--maxRecordBytes=" + (4 << 20));
    assertEquals(largeRun, 1, countIn(largeRun, "events"));
    assertEquals(LARGE_COMMENT_CHARS, commentLength(large));

    // Not JSON fails again each time, with its attempt counted, until --maxAttempts refuses it.
    for (int attempt = 1; attempt <= 2; attempt++) {
      String run = replay("--contract=" + fixed, "--errorCodes=PARSE_ERROR", "--maxAttempts=2");
      assertEquals(run, NOT_JSON, countIn(run, "dead letters again"));
    }
    String refused = replay("--contract=" + fixed, "--errorCodes=PARSE_ERROR", "--maxAttempts=2");
    assertEquals(refused, NOT_JSON, countIn(refused, "MAX_ATTEMPTS (2)"));
    Map<String, DeadLetter> last = deadLetters();
    for (String at : notJson) {
      for (int attempt = 0; attempt <= 2; attempt++) {
        assertTrue(at + " attempt " + attempt, last.containsKey(at + "@" + attempt));
      }
      assertFalse(at + " replayed past --maxAttempts", last.containsKey(at + "@3"));
    }

    // Record by record, every sink: each produced record is an event exactly once, or still a
    // dead letter of the code it should have; the DLQ topic holds each dead letter once.
    Map<String, String> finalEvents = events();
    Map<String, String> landed = new TreeMap<>();
    finalEvents.keySet().forEach(at -> landed.put(at, "EVENT"));
    for (Map.Entry<String, DeadLetter> d : last.entrySet()) {
      String at = d.getKey().substring(0, d.getKey().indexOf('@'));
      if (!finalEvents.containsKey(at)) {
        landed.putIfAbsent(at, "DLQ:" + d.getValue().getErrorCode());
      }
    }
    assertEquals(ledger, landed);
    assertEquals(finalEvents, icebergEvents());
    assertEquals(last.keySet(), icebergDeadLetters());
    assertEquals(last.keySet(), dlqTopic());

    // The DLQ topic and the Iceberg table, read back as dead letters, say what the files say.
    String files = replay("--dryRun=true");
    String topic = replay("--dryRun=true", "--replayFrom=topic", "--inputTopic=" + TOPIC);
    String table = replay("--dryRun=true", "--replayFrom=iceberg");
    for (String label : List.of("would replay", "FIELD_MISSING", "already replayed", "refused")) {
      assertEquals(topic, countIn(files, label), countIn(topic, label));
      assertEquals(table, countIn(files, label), countIn(table, label));
    }
  }

  /** Runs {@code streamy replay} with the ingest's options and {@code extra}; its output. */
  private static String replay(String... extra) throws Exception {
    List<String> args = new ArrayList<>();
    args.add("--bootstrapServers=" + kafka.bootstrapServers());
    args.add("--output=" + output);
    args.add("--sink=both");
    args.addAll(Arrays.asList(extra));
    ReplayOptions options = PipelineArgs.parse(ReplayOptions.class, args, false);
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    assertEquals(
        Streamy.OK,
        ReplayCommand.replay(options, new PrintStream(text, true, StandardCharsets.UTF_8)));
    System.out.print(text.toString(StandardCharsets.UTF_8)); // in the test's report
    return text.toString(StandardCharsets.UTF_8);
  }

  /** The number after {@code label} on its line of the replay's output, e.g. " events 12". */
  private static long countIn(String text, String label) {
    Matcher m =
        Pattern.compile("(?m)^\\s+" + Pattern.quote(label) + "\\s+([0-9,]+)$").matcher(text);
    assertTrue("no line '" + label + "' in:\n" + text, m.find());
    return Long.parseLong(m.group(1).replace(",", ""));
  }

  /** Every dead letter in the files, by topic/partition/offset@attempt, each once. */
  private static Map<String, DeadLetter> deadLetters() {
    Map<String, DeadLetter> all = new TreeMap<>();
    ReadDeadLetters.fromFiles(
        output.resolve("dead-letters"),
        d -> assertNull("dead letter twice: " + d, all.put(ReplayCommand.key(d), d)));
    return all;
  }

  /** The events, read by DuckDB: topic/partition/offset to event id, each once. */
  private static Map<String, String> events() throws Exception {
    Map<String, String> events = new TreeMap<>();
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT _topic, _partition, _offset, meta_id FROM read_parquet('"
                    + output
                    + "/events/**/*.parquet')")) {
      while (rows.next()) {
        String at = rows.getString(1) + "/" + rows.getInt(2) + "/" + rows.getLong(3);
        assertNull("event written twice: " + at, events.put(at, rows.getString(4)));
      }
    }
    return events;
  }

  /** The Iceberg events table, read through Iceberg's API: coordinates to event id, each once. */
  private static Map<String, String> icebergEvents() throws Exception {
    Map<String, String> events = new TreeMap<>();
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.EVENTS_TABLE)) {
      String at =
          row.getField("_topic") + "/" + row.getField("_partition") + "/" + row.getField("_offset");
      assertNull("event twice in Iceberg: " + at, events.put(at, (String) row.getField("meta_id")));
    }
    return events;
  }

  /** The Iceberg dead_letters table: topic/partition/offset@attempt, each once. */
  private static java.util.Set<String> icebergDeadLetters() throws Exception {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.DEAD_LETTERS_TABLE)) {
      int attempt = 0;
      for (Object header : (List<?>) row.getField("headers")) {
        Record h = (Record) header;
        if (ReplayCommand.ATTEMPT_HEADER.equals(h.getField("key"))) {
          java.nio.ByteBuffer value = ((java.nio.ByteBuffer) h.getField("value")).duplicate();
          byte[] bytes = new byte[value.remaining()];
          value.get(bytes);
          attempt = Integer.parseInt(new String(bytes, StandardCharsets.UTF_8));
        }
      }
      String at =
          row.getField("topic") + "/" + row.getField("partition") + "/" + row.getField("offset");
      assertTrue("dead letter twice in Iceberg: " + at, keys.add(at + "@" + attempt));
    }
    return keys;
  }

  private static long commentLength(String at) throws Exception {
    String[] c = at.split("/");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT length(comment) FROM read_parquet('"
                    + output
                    + "/events/**/*.parquet') WHERE _partition = "
                    + c[1]
                    + " AND _offset = "
                    + c[2])) {
      assertTrue(rows.next());
      return rows.getLong(1);
    }
  }

  private static List<Path> files() throws Exception {
    try (var all = Files.walk(output)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> !p.toString().contains("/replays/"))
          .sorted()
          .toList();
    }
  }

  /**
   * The DLQ topic as a read_committed consumer sees it: topic/partition/offset@attempt, each once.
   */
  private static java.util.Set<String> dlqTopic() {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition dlq = new TopicPartition(TOPIC + ".dlq", 0);
      consumer.assign(List.of(dlq));
      consumer.seekToBeginning(List.of(dlq));
      long end = consumer.endOffsets(List.of(dlq)).get(dlq);
      while (consumer.position(dlq) < end) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          String at =
              header(r, "dlq.source.topic")
                  + "/"
                  + header(r, "dlq.source.partition")
                  + "/"
                  + header(r, "dlq.source.offset");
          String attempt = header(r, ReplayCommand.ATTEMPT_HEADER);
          assertTrue(
              "twice on the DLQ topic: " + at,
              keys.add(at + "@" + (attempt == null ? 0 : attempt)));
        }
      }
    }
    return keys;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The real events, not-JSON records and one event too large for the default limit. */
  private static void produce() throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[] line : RealEvents.lines()) {
        String at = send(producer, line);
        JsonNode event = JSON.readTree(line);
        if (!event.has("$schema")) {
          ledger.put(at, "DLQ:FIELD_MISSING"); // the older format: no contract version takes it
        } else {
          ledger.put(at, "EVENT");
          if (!event.path("server_name").asText().endsWith(".wikipedia.org")) {
            tooStrict.add(at);
          }
        }
      }
      for (int i = 0; i < NOT_JSON; i++) {
        String at = send(producer, ("not json " + i).getBytes(StandardCharsets.UTF_8));
        ledger.put(at, "DLQ:PARSE_ERROR");
        notJson.add(at);
      }
      ObjectNode big = (ObjectNode) JSON.readTree(firstWikipediaEvent());
      ((ObjectNode) big.get("meta")).put("id", "0b5c8d2e-1f3a-4c6b-9d7e-000000000001");
      big.put("comment", "x".repeat(LARGE_COMMENT_CHARS));
      large = send(producer, JSON.writeValueAsBytes(big));
      ledger.put(large, "EVENT");
    }
    assertTrue("the data has no non-wikipedia events", tooStrict.size() > 100);
  }

  private static byte[] firstWikipediaEvent() throws Exception {
    for (byte[] line : RealEvents.lines()) {
      JsonNode event = JSON.readTree(line);
      if (event.has("$schema") && event.path("server_name").asText().endsWith(".wikipedia.org")) {
        return line;
      }
    }
    throw new IllegalStateException("no wikipedia.org event in the data");
  }

  private static String send(KafkaProducer<byte[], byte[]> producer, byte[] value)
      throws Exception {
    RecordMetadata sent = producer.send(new ProducerRecord<>(TOPIC, null, value)).get();
    return sent.topic() + "/" + sent.partition() + "/" + sent.offset();
  }

  /**
   * A copy of the bundled contract as {@code version}; {@code strict}: its schema also requires a
   * wikipedia.org server name.
   */
  private static Path contract(String version, boolean strict) throws Exception {
    Path dir = TEMP.newFolder("contract-" + version).toPath();
    String name = "mediawiki-recentchange-1.0.0";
    ObjectNode mapping =
        (ObjectNode) JSON.readTree(resource("contracts/" + name + ".contract.json"));
    ObjectNode schema =
        (ObjectNode) JSON.readTree(resource("contracts/" + mapping.get("schema").asText()));
    if (strict) {
      ((ObjectNode) schema.get("properties").get("server_name"))
          .put("pattern", "\\.wikipedia\\.org$");
    }
    mapping.put("version", version);
    mapping.put("schema", "schema.json");
    Files.write(dir.resolve("schema.json"), JSON.writeValueAsBytes(schema));
    Path file = dir.resolve("contract.json");
    Files.write(file, JSON.writeValueAsBytes(mapping));
    return file;
  }

  private static byte[] resource(String name) throws Exception {
    try (var in = ReplayEndToEndTest.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
