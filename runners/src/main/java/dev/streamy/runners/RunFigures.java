package dev.streamy.runners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.generator.Ledger;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.pipelines.IngestPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What {@code streamy report} shows of an output folder, read from the outputs themselves: the
 * Parquet files by DuckDB (never a hidden in-progress file), the Iceberg tables' snapshots through
 * Iceberg's catalog, the duplicates and the run's timing from what the demo leaves beside them.
 */
record RunFigures(
    Path output,
    long events,
    Map<String, Long> eventsPerWindow,
    Map<String, Long> deadLettersByCode,
    List<String> deadLetterTimes,
    Map<String, long[]> deadLettersOverTime,
    Map<String, Map<String, Long>> topByKey,
    @Nullable Long duplicates,
    String duplicatesSource,
    List<Layer> layers,
    List<Commit> commits,
    @Nullable Double recordsPerSecond,
    String throughputNote) {

  /** The file the demo writes beside its outputs: the run's counters and seconds. */
  static final String RUN_SUMMARY = "run-summary.json";

  static final String NAMESPACE = "streamy";

  private static final int TOP = 10;
  private static final int TIME_BUCKETS = 20;

  /** The counts of one layer of the output (the Parquet files, or the Iceberg tables). */
  record Layer(String name, long events, long deadLetters, long late, @Nullable Long duplicates) {

    long records() {
      return events + deadLetters + (duplicates == null ? 0 : duplicates);
    }

    double validShare() {
      return share(events);
    }

    double lateShare() {
      return share(late);
    }

    @Nullable
    Double duplicateShare() {
      return duplicates == null ? null : share(duplicates);
    }

    private double share(long part) {
      return records() == 0 ? 0 : (double) part / records();
    }
  }

  /** One Iceberg snapshot: which table, its operation, when, how many rows it added net. */
  record Commit(String table, String operation, long millis, long addedRecords) {}

  /** Reads the figures of {@code output}; refuses a folder with no streamy output. */
  static RunFigures read(Path output) throws IOException, SQLException {
    List<Path> events = IngestRun.parquetFiles(output.resolve("events"));
    List<Path> aggregates = IngestRun.parquetFiles(output.resolve("aggregates"));
    List<Path> deadLetters = IngestRun.parquetFiles(output.resolve("dead-letters"));
    Path warehouse = output.resolve("warehouse");
    if (!Files.isDirectory(output)) {
      throw new IllegalArgumentException("--output: no such folder: " + output);
    }
    if (events.isEmpty() && deadLetters.isEmpty() && !Files.isDirectory(warehouse)) {
      throw new IllegalArgumentException(
          "--output: no streamy output in "
              + output
              + " (no Parquet under events/ or dead-letters/, no warehouse/)");
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      long eventCount = events.isEmpty() ? 0 : single(sql, "SELECT count(*) FROM " + from(events));
      Map<String, Long> perWindow = new LinkedHashMap<>();
      Map<String, Map<String, Long>> top = new LinkedHashMap<>();
      if (!aggregates.isEmpty()) {
        List<String> keys = groupKeys(sql, aggregates);
        String partition = keys.isEmpty() ? "" : ", " + String.join(", ", quoted(keys));
        // Each window fires one or more panes: the newest pane of each group has its count.
        String newest =
            "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY window_start"
                + partition
                + " ORDER BY pane_index DESC) AS newest FROM "
                + from(aggregates)
                + ") WHERE newest = 1)";
        try (ResultSet rows =
            sql.executeQuery(
                "SELECT strftime(window_start, '%Y-%m-%d %H:%M:%S'), sum(event_count) FROM "
                    + newest
                    + " GROUP BY 1 ORDER BY 1")) {
          while (rows.next()) {
            perWindow.put(rows.getString(1), rows.getLong(2));
          }
        }
        for (String key : keys.subList(0, Math.min(2, keys.size()))) {
          Map<String, Long> counts = new LinkedHashMap<>();
          try (ResultSet rows =
              sql.executeQuery(
                  "SELECT coalesce(CAST("
                      + quote(key)
                      + " AS VARCHAR), '(none)'), sum(event_count) AS n FROM "
                      + newest
                      + " GROUP BY 1 ORDER BY n DESC, 1 LIMIT "
                      + TOP)) {
            while (rows.next()) {
              counts.put(rows.getString(1), rows.getLong(2));
            }
          }
          top.put(key, counts);
        }
      }
      Map<String, Long> byCode = new TreeMap<>();
      List<String> times = new ArrayList<>();
      Map<String, long[]> overTime = new TreeMap<>();
      if (!deadLetters.isEmpty()) {
        try (ResultSet rows =
            sql.executeQuery(
                "SELECT errorCode, count(*) FROM " + from(deadLetters) + " GROUP BY 1")) {
          while (rows.next()) {
            byCode.put(rows.getString(1), rows.getLong(2));
          }
        }
        long first = single(sql, "SELECT min(epoch_ms(processingTime)) FROM " + from(deadLetters));
        long last = single(sql, "SELECT max(epoch_ms(processingTime)) FROM " + from(deadLetters));
        long step = Math.max(1000, ceilToSeconds((last - first + 1) / TIME_BUCKETS + 1));
        int buckets = (int) ((last - first) / step) + 1;
        for (int i = 0; i < buckets; i++) {
          times.add(clock(first + i * step));
        }
        try (ResultSet rows =
            sql.executeQuery(
                "SELECT errorCode, (epoch_ms(processingTime) - "
                    + first
                    + ") // "
                    + step
                    + ", count(*) FROM "
                    + from(deadLetters)
                    + " GROUP BY 1, 2")) {
          while (rows.next()) {
            overTime.computeIfAbsent(rows.getString(1), c -> new long[buckets])[rows.getInt(2)] +=
                rows.getLong(3);
          }
        }
      }
      JsonNode run = runSummary(output);
      Long duplicates = null;
      String duplicatesSource;
      if (run != null && run.path("counters").has("duplicates_removed")) {
        duplicates = run.path("counters").path("duplicates_removed").asLong();
        duplicatesSource = "the run's duplicates_removed counter (" + RUN_SUMMARY + ")";
      } else if (Files.isRegularFile(output.resolve("ledger.ndjson"))) {
        duplicates =
            Ledger.read(output.resolve("ledger.ndjson")).stream()
                .filter(e -> e.expected().equals("DEDUPED"))
                .count();
        duplicatesSource = "the duplicates the generator sent (ledger.ndjson)";
      } else {
        duplicatesSource =
            "not known: duplicates are dropped, not written, and this output has no "
                + RUN_SUMMARY
                + " or ledger.ndjson";
      }
      List<Layer> layers = new ArrayList<>();
      long late = byCode.getOrDefault("TS_LATE", 0L);
      layers.add(
          new Layer(
              "Parquet files",
              eventCount,
              byCode.values().stream().mapToLong(Long::longValue).sum(),
              late,
              duplicates));
      List<Commit> commits = new ArrayList<>();
      if (Files.isDirectory(warehouse)) {
        Catalog catalog =
            IcebergCatalogSettings.hadoop(warehouse.toString()).toBeamConfig().catalog();
        Namespace namespace = namespace(catalog);
        Map<String, Table> tables = new LinkedHashMap<>();
        for (String name : IngestPipeline.TABLES) {
          TableIdentifier id = TableIdentifier.of(namespace, name);
          if (catalog.tableExists(id)) {
            Table table = catalog.loadTable(id);
            tables.put(name, table);
            for (Snapshot snapshot : table.snapshots()) {
              // A compaction (replace) adds the rows it deletes: count what each commit added net.
              Map<String, String> summary = snapshot.summary();
              commits.add(
                  new Commit(
                      name,
                      String.valueOf(snapshot.operation()),
                      snapshot.timestampMillis(),
                      Long.parseLong(summary.getOrDefault("added-records", "0"))
                          - Long.parseLong(summary.getOrDefault("deleted-records", "0"))));
            }
          }
        }
        commits.sort(Comparator.comparingLong(Commit::millis));
        long icebergEvents = totalRecords(tables.get(IngestPipeline.EVENTS_TABLE));
        long icebergDead = totalRecords(tables.get(IngestPipeline.DEAD_LETTERS_TABLE));
        List<Path> deadFiles = dataFiles(tables.get(IngestPipeline.DEAD_LETTERS_TABLE));
        long icebergLate =
            deadFiles.isEmpty()
                ? 0
                : single(
                    sql,
                    "SELECT count(*) FROM " + from(deadFiles) + " WHERE errorCode = 'TS_LATE'");
        layers.add(
            new Layer("Iceberg tables", icebergEvents, icebergDead, icebergLate, duplicates));
      }
      Double perSecond = null;
      String note;
      if (run != null && run.path("seconds").asDouble() > 0) {
        long read = run.path("counters").path("records_read").asLong();
        double seconds = run.path("seconds").asDouble();
        perSecond = read / seconds;
        note =
            String.format(
                java.util.Locale.ROOT,
                "%,d records read in %.1f s on the %s, from %s",
                read,
                seconds,
                run.path("runner").asText("DirectRunner"),
                RUN_SUMMARY);
      } else if (commits.size() >= 2
          && commits.get(commits.size() - 1).millis() > commits.get(0).millis()) {
        long rows = commits.stream().mapToLong(Commit::addedRecords).sum();
        double seconds = (commits.get(commits.size() - 1).millis() - commits.get(0).millis()) / 1e3;
        perSecond = rows / seconds;
        note =
            String.format(
                java.util.Locale.ROOT,
                "derived from the Iceberg commits: %,d rows committed between the first and the"
                    + " last commit (%.1f s); the run's start-up and reading before the first"
                    + " commit are not in it",
                rows,
                seconds);
      } else {
        note =
            "not known: this output has no "
                + RUN_SUMMARY
                + " and fewer than two Iceberg commits to time";
      }
      return new RunFigures(
          output,
          eventCount,
          perWindow,
          byCode,
          times,
          overTime,
          top,
          duplicates,
          duplicatesSource,
          layers,
          commits,
          perSecond,
          note);
    }
  }

  /**
   * The warehouse's namespace: streamy's default, else the one a run named with {@code
   * --icebergNamespace} (the first in order, when there are several).
   */
  private static Namespace namespace(Catalog catalog) {
    Namespace standard = Namespace.of(NAMESPACE);
    if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(standard)) {
      return namespaces.listNamespaces().stream()
          .min(Comparator.comparing(Namespace::toString))
          .orElse(standard);
    }
    return standard;
  }

  /** The aggregates' group keys: the columns between the pane columns and the counts. */
  private static List<String> groupKeys(Statement sql, List<Path> aggregates) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (ResultSet rows = sql.executeQuery("DESCRIBE SELECT * FROM " + from(aggregates))) {
      while (rows.next()) {
        columns.add(rows.getString(1));
      }
    }
    int from = columns.indexOf("pane_is_last") + 1;
    int to = columns.indexOf("event_count");
    return from > 0 && to > from ? columns.subList(from, to) : List.of();
  }

  private static long totalRecords(@Nullable Table table) {
    if (table == null || table.currentSnapshot() == null) {
      return 0;
    }
    return Long.parseLong(table.currentSnapshot().summary().getOrDefault("total-records", "0"));
  }

  /** The data files of a table's current snapshot, as Iceberg lists them. */
  private static List<Path> dataFiles(@Nullable Table table) throws IOException {
    List<Path> files = new ArrayList<>();
    if (table == null || table.currentSnapshot() == null) {
      return files;
    }
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        files.add(Path.of(task.file().path().toString().replaceFirst("^file:/*", "/")));
      }
    }
    return files;
  }

  /** A time of day in UTC, as the page shows it. */
  static String clock(long millis) {
    return java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
        .withZone(java.time.ZoneOffset.UTC)
        .format(java.time.Instant.ofEpochMilli(millis));
  }

  private static @Nullable JsonNode runSummary(Path output) throws IOException {
    Path file = output.resolve(RUN_SUMMARY);
    return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()) : null;
  }

  private static long ceilToSeconds(long millis) {
    return (millis + 999) / 1000 * 1000;
  }

  private static long single(Statement sql, String query) throws SQLException {
    try (ResultSet rows = sql.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** A DuckDB scan of exactly these files (a glob could pick up an in-progress dot-file). */
  private static String from(List<Path> files) {
    return "read_parquet(["
        + files.stream()
            .map(f -> "'" + f.toString().replace("'", "''") + "'")
            .collect(Collectors.joining(", "))
        + "], union_by_name = true)";
  }

  private static List<String> quoted(List<String> columns) {
    return columns.stream().map(RunFigures::quote).toList();
  }

  private static String quote(String column) {
    return "\"" + column.replace("\"", "\"\"") + "\"";
  }
}
