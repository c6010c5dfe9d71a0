package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * For the error-budget tests: a flood (a good stretch, then half bad records) sent by the real
 * generator, the budget's line checked against it, and every sink (Parquet events and dead letters
 * by DuckDB, the DLQ topic by a {@code read_committed} consumer) checked against its ledger, record
 * by record ({@code partition/offset}).
 */
public final class FloodSinks {

  /** {@code error budget exceeded: ... (n of m records; budget b%): CODE n, CODE n}. */
  private static final Pattern BUDGET_LINE =
      Pattern.compile(
          "streamy: error budget exceeded: ([0-9.]+)% dead letters over the last (\\S+) \\(([0-9,]+)"
              + " of ([0-9,]+) records; budget ([0-9.]+)%\\): (.+)");

  private FloodSinks() {}

  /**
   * {@code good} good records (a few duplicates among them), then {@code flood} records of which
   * half are bad, to a topic that takes the generator's oversized records; the two ledgers joined.
   */
  public static List<Ledger.Entry> sendFlood(
      LocalKafka kafka, String topic, int good, int flood, Path work) throws Exception {
    List<Ledger.Entry> sent = new ArrayList<>();
    sent.addAll(Generated.send(kafka, topic, good, 0, 0.02, 21, work.resolve("good.ndjson")));
    sent.addAll(Generated.send(kafka, topic, flood, 0.5, 0, 22, work.resolve("flood.ndjson")));
    assertEquals(good + flood, sent.size());
    return sent;
  }

  /**
   * Checks the budget's one line among {@code lines}: there once, with no stack trace anywhere,
   * past the budget, naming codes the flood sent, most first.
   *
   * @return the codes it names, with their counts
   */
  public static Map<String, Long> checkBudgetLine(
      List<String> lines, List<Ledger.Entry> sent, double budgetPercent) {
    List<String> budget =
        lines.stream()
            .filter(l -> l.contains("error budget exceeded"))
            .collect(Collectors.toList());
    String all = String.join("\n", lines);
    assertEquals(all, 1, budget.size());
    assertTrue(
        all, lines.stream().noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")));
    Matcher line = BUDGET_LINE.matcher(budget.get(0).trim());
    assertTrue(budget.get(0), line.matches());
    assertTrue(budget.get(0), Double.parseDouble(line.group(1)) > budgetPercent);
    assertEquals(budgetPercent, Double.parseDouble(line.group(5)), 1e-9);
    long deadLetters = Long.parseLong(line.group(3).replace(",", ""));
    long records = Long.parseLong(line.group(4).replace(",", ""));
    assertTrue(budget.get(0), deadLetters > budgetPercent / 100 * records);
    Map<String, Long> codes = new TreeMap<>();
    long previous = Long.MAX_VALUE;
    long sum = 0;
    for (String code : line.group(6).split(", ")) {
      String[] parts = code.split(" ");
      long count = Long.parseLong(parts[1].replace(",", ""));
      assertTrue("most first: " + budget.get(0), count <= previous);
      assertTrue(
          "the flood sent " + parts[0],
          sent.stream().anyMatch(e -> e.expected().equals("DLQ:" + parts[0])));
      codes.put(parts[0], count);
      previous = count;
      sum += count;
    }
    assertEquals("the codes add up to the dead letters: " + budget.get(0), deadLetters, sum);
    return codes;
  }

  /**
   * Every ledger entry is where it says, once: an event in the events files, a dead letter with its
   * code in the dead-letter files and in the DLQ topic, a duplicate nowhere (its event once); and
   * the sinks hold nothing else.
   */
  public static void checkSinksHoldTheLedgerOnce(
      List<Ledger.Entry> sent, Path output, String bootstrapServers, String dlqTopic)
      throws Exception {
    Map<String, Integer> events = new HashMap<>();
    Map<String, String> eventIds = new HashMap<>();
    Map<String, Integer> deadLetters = new HashMap<>();
    Map<String, String> deadLetterCodes = new HashMap<>();
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT _partition, _offset, meta_id FROM read_parquet("
                  + files(output.resolve("events"))
                  + ")")) {
        while (rows.next()) {
          String at = rows.getInt(1) + "/" + rows.getLong(2);
          events.merge(at, 1, Integer::sum);
          eventIds.put(at, rows.getString(3));
        }
      }
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT partition, \"offset\", errorCode FROM read_parquet("
                  + files(output.resolve("dead-letters"))
                  + ")")) {
        while (rows.next()) {
          String at = rows.getInt(1) + "/" + rows.getLong(2);
          deadLetters.merge(at, 1, Integer::sum);
          deadLetterCodes.put(at, rows.getString(3));
        }
      }
    }
    Map<String, Integer> topicCopies = new HashMap<>();
    Map<String, String> topicCodes = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : readCommitted(bootstrapServers, dlqTopic)) {
      String at =
          header(record, "dlq.source.partition") + "/" + header(record, "dlq.source.offset");
      topicCopies.merge(at, 1, Integer::sum);
      topicCodes.put(at, header(record, "dlq.error.code"));
    }

    List<String> wrong = new ArrayList<>();
    Map<String, Long> idCopies =
        eventIds.values().stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    for (Ledger.Entry entry : sent) {
      String at = entry.partition() + "/" + entry.offset();
      String expected = entry.expected();
      int asEvent = events.getOrDefault(at, 0);
      int asDeadLetter = deadLetters.getOrDefault(at, 0);
      int inTopic = topicCopies.getOrDefault(at, 0);
      if (expected.equals("EVENT")) {
        if (asEvent != 1 || asDeadLetter != 0 || inTopic != 0) {
          wrong.add(at + " " + expected + ": " + asEvent + " events, " + asDeadLetter + " DLQ");
        }
      } else if (expected.equals("DEDUPED")) {
        if (asEvent != 0 || asDeadLetter != 0 || idCopies.getOrDefault(entry.eventId(), 0L) != 1) {
          wrong.add(at + " DEDUPED: " + asEvent + " events, id " + entry.eventId());
        }
      } else {
        String code = expected.substring("DLQ:".length());
        if (asEvent != 0
            || asDeadLetter != 1
            || inTopic != 1
            || !code.equals(deadLetterCodes.get(at))
            || !code.equals(topicCodes.get(at))) {
          wrong.add(
              at
                  + " "
                  + expected
                  + ": "
                  + asEvent
                  + " events, "
                  + asDeadLetter
                  + " in files as "
                  + deadLetterCodes.get(at)
                  + ", "
                  + inTopic
                  + " in the topic");
        }
      }
    }
    assertEquals("records not where the ledger says, once", List.of(), wrong);
    int expectedEvents = (int) sent.stream().filter(e -> e.expected().equals("EVENT")).count();
    int expectedDead = (int) sent.stream().filter(e -> e.expected().startsWith("DLQ:")).count();
    assertEquals("events, nothing else", expectedEvents, events.size());
    assertEquals("dead letters, nothing else", expectedDead, deadLetters.size());
    assertEquals("DLQ topic records, nothing else", expectedDead, topicCopies.size());
    assertTrue("the flood sent dead letters", expectedDead > 0);
  }

  private static String files(Path folder) throws Exception {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(folder)) {
      files =
          walk.filter(f -> f.toString().endsWith(".parquet"))
              .filter(f -> !folder.relativize(f).toString().contains(".temp"))
              .filter(f -> !folder.relativize(f).toString().startsWith("."))
              .collect(Collectors.toList());
    }
    assertTrue("Parquet files in " + folder, !files.isEmpty());
    return files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(",", "[", "]"));
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Every committed record of {@code topic}, up to its end offsets at the start. */
  private static List<ConsumerRecord<byte[], byte[]>> readCommitted(
      String bootstrapServers, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Read to the log end: with read_committed, position() stops at the last stable offset.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertTrue("reading " + topic + " took over 60 s", System.nanoTime() < deadline);
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    return records;
  }
}
