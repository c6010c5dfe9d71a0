package dev.streamy.runners.flink;

import com.google.auto.value.AutoValue;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.runners.IcebergTables;
import dev.streamy.runners.LocalKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What an ingest job's sinks hold, read back by independent readers (DuckDB for Parquet, Iceberg's
 * own reader for the tables, a {@code read_committed} consumer for the DLQ topic), by source
 * coordinates {@code partition/offset}.
 */
final class SinkContents {

  private SinkContents() {}

  static int metadataVersions(Path metadata) throws IOException {
    if (!Files.isDirectory(metadata)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(metadata)) {
      return (int) files.filter(f -> f.toString().endsWith(".metadata.json")).count();
    }
  }

  /** Published Parquet files below {@code dir}, without the sink's temporary folder. */
  static List<Path> finalFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    // The running job deletes temporary files while the walk lists them: walk again then.
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(dir)) {
        return files
            .filter(f -> f.toString().endsWith(".parquet"))
            .filter(f -> !dir.relativize(f).toString().contains(".temp"))
            .collect(Collectors.toList());
      } catch (java.io.UncheckedIOException vanished) {
        if (attempt == 5) {
          throw vanished;
        }
      }
    }
  }

  /** The coordinates found in one sink, each with how often it was found. */
  @AutoValue
  abstract static class Found {
    abstract String sink();

    abstract Map<String, Integer> copies();

    static Found of(String sink, Map<String, Integer> copies) {
      return new AutoValue_SinkContents_Found(sink, copies);
    }

    int duplicates() {
      return copies().values().stream().mapToInt(n -> n - 1).sum();
    }

    Set<String> lost(Set<String> expected) {
      Set<String> lost = new HashSet<>(expected);
      lost.removeAll(copies().keySet());
      return lost;
    }

    Set<String> unexpected(Set<String> expected) {
      Set<String> extra = new HashSet<>(copies().keySet());
      extra.removeAll(expected);
      return extra;
    }
  }

  static Found parquetEvents(Path output) throws Exception {
    return Found.of(
        "events (Parquet)", duckDb(finalFiles(output.resolve("events")), "_partition", "_offset"));
  }

  static Found parquetDeadLetters(Path output) throws Exception {
    return Found.of(
        "dead letters (Parquet)",
        duckDb(finalFiles(output.resolve("dead-letters")), "partition", "\"offset\""));
  }

  static Map<String, Integer> duckDb(List<Path> files, String partition, String offset)
      throws Exception {
    Map<String, Integer> copies = new HashMap<>();
    if (files.isEmpty()) {
      return copies;
    }
    String list = files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(",", "[", "]"));
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT " + partition + ", " + offset + " FROM read_parquet(" + list + ")")) {
      while (rows.next()) {
        copies.merge(rows.getInt(1) + "/" + rows.getLong(2), 1, Integer::sum);
      }
    }
    return copies;
  }

  static long newestAggregatePanesTotal(Path output) throws Exception {
    List<Path> files = finalFiles(output.resolve("aggregates"));
    if (files.isEmpty()) {
      return 0;
    }
    String list = files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(",", "[", "]"));
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT sum(event_count) FROM (SELECT event_count FROM read_parquet("
                    + list
                    + ") QUALIFY row_number() OVER (PARTITION BY window_start, wiki, type"
                    + " ORDER BY pane_index DESC) = 1)")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /**
   * Copies of each aggregate row of the Iceberg table, by window start, wiki, type, pane index and
   * event count (as {@code window|wiki|type|pane|count}).
   */
  static Map<String, Integer> icebergAggregatePanes(Path output) throws IOException {
    Map<String, Integer> copies = new HashMap<>();
    if (metadataVersions(
            output.resolve("warehouse/streamy/" + IngestPipeline.AGGREGATES_TABLE + "/metadata"))
        <= 1) {
      return copies;
    }
    for (Record row : IcebergTables.rows(output, "streamy", IngestPipeline.AGGREGATES_TABLE)) {
      String key =
          String.join(
              "|",
              String.valueOf(row.getField("window_start")),
              String.valueOf(row.getField("wiki")),
              String.valueOf(row.getField("type")),
              String.valueOf(row.getField("pane_index")),
              String.valueOf(row.getField("event_count")));
      copies.merge(key, 1, Integer::sum);
    }
    return copies;
  }

  /** The sum of the event counts of the newest pane of each window and group key. */
  static long newestPanesTotal(Map<String, Integer> panes) {
    Map<String, long[]> newest = new HashMap<>();
    for (String key : panes.keySet()) {
      String[] parts = key.split("\\|");
      String group = parts[0] + "|" + parts[1] + "|" + parts[2];
      long pane = Long.parseLong(parts[3]);
      long count = Long.parseLong(parts[4]);
      long[] seen = newest.get(group);
      if (seen == null || seen[0] < pane) {
        newest.put(group, new long[] {pane, count});
      }
    }
    return newest.values().stream().mapToLong(paneAndCount -> paneAndCount[1]).sum();
  }

  static Found icebergEvents(Path output) throws IOException {
    return iceberg(
        output, IngestPipeline.EVENTS_TABLE, "events (Iceberg)", "_partition", "_offset");
  }

  static Found icebergDeadLetters(Path output) throws IOException {
    return iceberg(
        output, IngestPipeline.DEAD_LETTERS_TABLE, "dead letters (Iceberg)", "partition", "offset");
  }

  static Found iceberg(Path output, String table, String sink, String partition, String offset)
      throws IOException {
    Map<String, Integer> copies = new HashMap<>();
    if (metadataVersions(output.resolve("warehouse/streamy/" + table + "/metadata")) > 1) {
      for (Record row : IcebergTables.rows(output, "streamy", table)) {
        copies.merge(row.getField(partition) + "/" + row.getField(offset), 1, Integer::sum);
      }
    }
    return Found.of(sink, copies);
  }

  /** The DLQ topic's dead letters as a {@code read_committed} consumer sees them. */
  static Found deadLetterTopic(LocalKafka kafka, String topic) {
    Map<String, Integer> copies = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(kafka)) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        for (ConsumerRecord<byte[], byte[]> record :
            consumer.poll(java.time.Duration.ofSeconds(1))) {
          String source =
              header(record, "dlq.source.partition") + "/" + header(record, "dlq.source.offset");
          copies.merge(source, 1, Integer::sum);
        }
      }
    }
    return Found.of("dead letters (DLQ topic)", copies);
  }

  /** A consumer of the broker that reads with {@code isolation.level=read_committed}. */
  static KafkaConsumer<byte[], byte[]> readCommitted(LocalKafka kafka) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "?" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
