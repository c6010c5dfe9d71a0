package dev.streamy.benchmarks;

import com.google.auto.value.AutoValue;
import dev.streamy.transforms.Contract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a run's output against the generator's ledger. A bounded run's Parquet files are read back
 * with DuckDB ({@code <output>/events}, {@code aggregates}, {@code dead-letters}): every event row
 * and dead letter must be the record the ledger says, none twice, none missing, and per window the
 * newest pane of each aggregate must add up to the window's events. A streaming run is checked by
 * its counters.
 */
final class LedgerCheck {

  /** Problems listed in full; beyond this many only their number is given. */
  private static final int SHOWN = 8;

  private LedgerCheck() {}

  /** The outcome of a check: passed, or the problems found. */
  @AutoValue
  abstract static class Result {
    abstract boolean passed();

    /** One line: what was compared, and the first problems when it failed. */
    abstract String summary();

    abstract List<String> problems();

    static Result of(String what, Problems problems) {
      if (problems.count == 0) {
        return new AutoValue_LedgerCheck_Result(true, "OK (" + what + ")", List.of());
      }
      String shown =
          problems.kept.stream().limit(SHOWN).collect(Collectors.joining("; "))
              + (problems.count > SHOWN ? "; ... " + problems.count + " problems in all" : "");
      return new AutoValue_LedgerCheck_Result(
          false, "FAILED: " + shown, List.copyOf(problems.kept));
    }

    static Result failed(String why) {
      Problems problems = new Problems();
      problems.add(why);
      return of("", problems);
    }
  }

  /** The problems found: all counted, the first {@value #KEPT} kept. */
  private static final class Problems {
    private static final int KEPT = 200;
    final List<String> kept = new ArrayList<>();
    long count;

    void add(String problem) {
      count++;
      if (kept.size() < KEPT) {
        kept.add(problem);
      }
    }
  }

  /** Checks the Parquet output of a bounded run under {@code output}. */
  static Result parquet(Path output, Expected expected, Contract contract, long windowMillis) {
    return check(
        sink -> parquetFiles(output.resolve(sink)), expected, contract, windowMillis, "Parquet");
  }

  /**
   * Checks the Iceberg tables of a bounded run (Hadoop catalog under {@code <output>/warehouse},
   * namespace {@code streamy}): the data files of each table's current snapshot, as Iceberg's own
   * API lists them, read back by DuckDB like the Parquet output.
   */
  static Result iceberg(Path output, Expected expected, Contract contract, long windowMillis) {
    return check(
        sink -> IcebergFiles.current(output.resolve("warehouse"), sink),
        expected,
        contract,
        windowMillis,
        "Iceberg");
  }

  /** The data files of one output: {@code events}, {@code dead-letters} or {@code aggregates}. */
  interface Outputs {
    List<Path> of(String sink) throws IOException;
  }

  private static Result check(
      Outputs output, Expected expected, Contract contract, long windowMillis, String format) {
    Problems problems = new Problems();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      Map<Long, Long> eventsPerWindow =
          checkEvents(sql, output, expected, contract, windowMillis, problems);
      Map<String, Long> deadLetters = checkDeadLetters(sql, output, expected, problems);
      Map<Long, Long> aggregated = aggregatedPerWindow(sql, output, contract, problems);
      if (!aggregated.equals(eventsPerWindow)) {
        problems.add(
            "aggregates per window (newest pane) "
                + abbreviate(aggregated)
                + " != events per window "
                + abbreviate(eventsPerWindow));
      }
      long events = eventsPerWindow.values().stream().mapToLong(Long::longValue).sum();
      return Result.of(
          format
              + ": "
              + events
              + " events, "
              + deadLetters.values().stream().mapToLong(Long::longValue).sum()
              + " dead letters, "
              + aggregated.size()
              + " windows as in the ledger",
          problems);
    } catch (SQLException | IOException e) {
      return Result.failed("cannot read the output back: " + e.getMessage());
    }
  }

  private static Map<Long, Long> checkEvents(
      Statement sql,
      Outputs output,
      Expected expected,
      Contract contract,
      long windowMillis,
      Problems problems)
      throws SQLException, IOException {
    Map<Long, Long> perWindow = new TreeMap<>();
    List<Path> files = output.of("events");
    Set<Long> seen = new HashSet<>();
    Set<String> ids = new HashSet<>();
    if (!files.isEmpty()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT "
                  + Contract.PARTITION_COLUMN
                  + ", "
                  + Contract.OFFSET_COLUMN
                  + ", "
                  + contract.eventIdColumn()
                  + ", epoch_ms("
                  + contract.eventTimeColumn()
                  + ") FROM read_parquet("
                  + list(files)
                  + ")")) {
        while (rows.next()) {
          int partition = rows.getInt(1);
          long offset = rows.getLong(2);
          String at = partition + "/" + offset;
          if (!seen.add(Expected.key(partition, offset))) {
            problems.add("event " + at + " written twice");
          }
          String outcome = expected.outcome(partition, offset);
          if (!"EVENT".equals(outcome)) {
            problems.add("event " + at + " written, the ledger says " + outcome);
          }
          if (!ids.add(rows.getString(3))) {
            problems.add("event id of " + at + " written twice");
          }
          perWindow.merge(
              Math.floorDiv(rows.getLong(4), windowMillis) * windowMillis, 1L, Long::sum);
        }
      }
    }
    if (seen.size() != expected.events()) {
      problems.add(seen.size() + " event rows, the ledger has " + expected.events() + " EVENT");
    }
    return perWindow;
  }

  private static Map<String, Long> checkDeadLetters(
      Statement sql, Outputs output, Expected expected, Problems problems)
      throws SQLException, IOException {
    Map<String, Long> byCode = new TreeMap<>();
    List<Path> files = output.of("dead-letters");
    Set<Long> seen = new HashSet<>();
    if (!files.isEmpty()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT partition, \"offset\", errorCode FROM read_parquet(" + list(files) + ")")) {
        while (rows.next()) {
          int partition = rows.getInt(1);
          long offset = rows.getLong(2);
          String code = rows.getString(3);
          String at = partition + "/" + offset;
          if (!seen.add(Expected.key(partition, offset))) {
            problems.add("dead letter " + at + " written twice");
          }
          String outcome = expected.outcome(partition, offset);
          if (!("DLQ:" + code).equals(outcome)) {
            problems.add("dead letter " + at + " " + code + ", the ledger says " + outcome);
          }
          byCode.merge(code, 1L, Long::sum);
        }
      }
    }
    if (!byCode.equals(expected.deadLetters())) {
      problems.add("dead letters differ: " + difference(byCode, expected.deadLetters()));
    }
    return byCode;
  }

  /** Per window start (epoch ms), the event counts of each group's newest pane, summed. */
  private static Map<Long, Long> aggregatedPerWindow(
      Statement sql, Outputs output, Contract contract, Problems problems)
      throws SQLException, IOException {
    Map<Long, Long> perWindow = new TreeMap<>();
    List<Path> files = output.of("aggregates");
    if (files.isEmpty()) {
      return perWindow;
    }
    String keys =
        contract.getAggregation().getGroupKeys().stream()
            .map(k -> "\"" + k + "\"")
            .collect(Collectors.joining(", "));
    try (ResultSet rows =
        sql.executeQuery(
            "SELECT epoch_ms(window_start), sum(event_count), count(*) FROM (SELECT *,"
                + " row_number() OVER (PARTITION BY window_start"
                + (keys.isEmpty() ? "" : ", " + keys)
                + " ORDER BY pane_index DESC) AS newest FROM read_parquet("
                + list(files)
                + ")) WHERE newest = 1 GROUP BY 1 ORDER BY 1")) {
      while (rows.next()) {
        perWindow.put(rows.getLong(1), rows.getLong(2));
      }
    }
    return perWindow;
  }

  /**
   * Checks a streaming run's counters (streamy's names: {@code records_read}, {@code events_valid},
   * {@code duplicates_removed}, {@code dead_letters_<CODE>}) against the ledger.
   */
  static Result counters(Map<String, Long> counters, Expected expected) {
    Problems problems = new Problems();
    compare(problems, "records_read", counters, expected.records());
    compare(problems, "events_valid", counters, expected.valid());
    compare(problems, "duplicates_removed", counters, expected.deduped());
    Map<String, Long> deadLetters = new TreeMap<>();
    counters.forEach(
        (name, value) -> {
          if (name.startsWith("dead_letters_")
              && !name.equals("dead_letters_written")
              && value > 0) {
            deadLetters.put(name.substring("dead_letters_".length()), value);
          }
        });
    if (!deadLetters.equals(expected.deadLetters())) {
      problems.add("dead letters differ: " + difference(deadLetters, expected.deadLetters()));
    }
    return Result.of(
        "counters: "
            + counters.getOrDefault("records_read", 0L)
            + " read, "
            + counters.getOrDefault("events_valid", 0L)
            + " valid, "
            + counters.getOrDefault("duplicates_removed", 0L)
            + " duplicates as in the ledger",
        problems);
  }

  /** The codes whose counts differ, as {@code CODE actual (ledger expected)}. */
  static String difference(Map<String, Long> actual, Map<String, Long> expected) {
    Set<String> codes = new java.util.TreeSet<>(actual.keySet());
    codes.addAll(expected.keySet());
    return codes.stream()
        .filter(c -> !actual.getOrDefault(c, 0L).equals(expected.getOrDefault(c, 0L)))
        .map(
            c ->
                c
                    + " "
                    + actual.getOrDefault(c, 0L)
                    + " (ledger "
                    + expected.getOrDefault(c, 0L)
                    + ")")
        .collect(Collectors.joining(", "));
  }

  private static void compare(
      Problems problems, String counter, Map<String, Long> counters, long expected) {
    long actual = counters.getOrDefault(counter, 0L);
    if (actual != expected) {
      problems.add(counter + " = " + actual + ", the ledger says " + expected);
    }
  }

  /** The Parquet files under {@code folder}, without hidden (in-progress) ones. */
  static List<Path> parquetFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(folder)) {
      return all.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(
              p -> !folder.relativize(p).toString().startsWith(".") && !p.toString().contains("/."))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static String list(List<Path> files) {
    return files.stream()
        .map(f -> "'" + f.toAbsolutePath().toString().replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String abbreviate(Map<Long, Long> perWindow) {
    String text = perWindow.toString();
    return text.length() <= 300 ? text : text.substring(0, 300) + "...}";
  }
}
