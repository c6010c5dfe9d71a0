package dev.streamy.runners;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.transforms.Contract;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamy inspect}: what an output holds, for someone who has not seen it before. The
 * Parquet parts (events, aggregates, dead letters) are read by DuckDB, the Iceberg tables through
 * Iceberg's own catalog API; nothing is written. Hidden in-progress files are left out, as every
 * reader of the output should.
 */
@Command(
    name = "inspect",
    description = {
      "Show what an output holds: per part its rows, files, sizes, windows and event-time range;"
          + " dead letters by error code with a decoded sample; the newest aggregates; each"
          + " Iceberg table's rows and newest snapshots.",
      "e.g. streamy inspect --output=streamy-output"
    })
final class InspectCommand implements Callable<Integer> {

  /** Characters of a dead letter's payload shown as its code's sample, escapes included. */
  static final int SAMPLE_CHARS = 80;

  private static final List<String> PARTS = List.of("events", "aggregates", "dead-letters");

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description =
          "The output folder of an ingest or demo run (its events/, aggregates/, dead-letters/"
              + " and, for the hadoop catalog, warehouse/).")
  @Nullable
  String output;

  @Option(
      names = "--contract",
      paramLabel = "NAME|FILE",
      defaultValue = "mediawiki-recentchange-1.0.0",
      description =
          "The contract the output was written with: names its event-time column and the"
              + " aggregates' group keys. Default: ${DEFAULT-VALUE}.")
  String contract;

  @Option(
      names = "--icebergCatalogType",
      paramLabel = "hadoop|rest",
      defaultValue = "hadoop",
      converter = CatalogTypeConverter.class,
      description =
          "The Iceberg catalog: hadoop (by default the warehouse under --output) or rest."
              + " Default: ${DEFAULT-VALUE}.")
  IcebergCatalogSettings.Type icebergCatalogType;

  @Option(
      names = "--icebergCatalogUri",
      paramLabel = "URI",
      description = "URI of the Iceberg REST catalog.")
  @Nullable
  String icebergCatalogUri;

  @Option(
      names = "--icebergWarehouse",
      paramLabel = "LOCATION",
      description = "Iceberg warehouse. Default: <output>/warehouse for the hadoop catalog.")
  @Nullable
  String icebergWarehouse;

  @Option(
      names = "--icebergCatalogProperties",
      paramLabel = "K=V[,K=V...]",
      description = "Extra Iceberg catalog properties, as the ingest takes them.")
  @Nullable
  String icebergCatalogProperties;

  @Option(
      names = "--icebergCatalogConfigFile",
      paramLabel = "FILE",
      description = "A Java properties file of Iceberg catalog properties, as the ingest takes it.")
  @Nullable
  String icebergCatalogConfigFile;

  @Option(
      names = "--icebergNamespace",
      paramLabel = "NAMESPACE",
      defaultValue = "streamy",
      description = "Namespace of the tables. Default: ${DEFAULT-VALUE}.")
  String icebergNamespace;

  @Option(
      names = "--snapshots",
      paramLabel = "N",
      defaultValue = "3",
      description = "How many of each table's newest snapshots to list. Default: ${DEFAULT-VALUE}.")
  int snapshots;

  @Spec CommandLine.Model.CommandSpec spec;

  /** {@code --icebergCatalogType} as the ingest reads it, any case. */
  static final class CatalogTypeConverter
      implements CommandLine.ITypeConverter<IcebergCatalogSettings.Type> {
    @Override
    public IcebergCatalogSettings.Type convert(String value) {
      return IcebergCatalogSettings.Type.fromOption(value);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path folder = output == null ? null : Path.of(output).toAbsolutePath().normalize();
    boolean catalogNamed =
        icebergCatalogType == IcebergCatalogSettings.Type.REST || icebergWarehouse != null;
    if (folder == null && !catalogNamed) {
      throw new IllegalArgumentException(
          "inspect: which output? --output=DIR (e.g. --output=streamy-output), or an Iceberg"
              + " catalog (--icebergCatalogType=rest --icebergCatalogUri=URI)");
    }
    if (folder != null && !Files.isDirectory(folder)) {
      throw new IllegalArgumentException("--output=" + output + ": no such folder");
    }
    Map<String, List<Path>> files = new java.util.LinkedHashMap<>();
    for (String part : PARTS) {
      files.put(part, folder == null ? List.of() : IngestRun.parquetFiles(folder.resolve(part)));
    }
    boolean anyFiles = files.values().stream().anyMatch(list -> !list.isEmpty());
    IcebergCatalogSettings catalog =
        catalogNamed || (folder != null && Files.isDirectory(folder.resolve("warehouse")))
            ? Settings.icebergCatalog(ingestOptions(), folder == null ? null : folder.toString())
            : null;
    if (!anyFiles && catalog == null) {
      throw new IllegalArgumentException(
          "--output="
              + output
              + ": no streamy output there (no Parquet under events/, aggregates/ or"
              + " dead-letters/, no warehouse/); run streamy demo or streamy ingest first");
    }
    Contract loaded = Contract.load(contract);
    PrintWriter out = spec.commandLine().getOut();
    out.println("streamy inspect: " + (folder != null ? folder : catalog));
    if (anyFiles) {
      Class.forName("org.duckdb.DuckDBDriver");
      try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
        printEvents(db, files.get("events"), loaded.eventTimeColumn(), out);
        printAggregates(db, files.get("aggregates"), loaded.getAggregation().getGroupKeys(), out);
        printDeadLetters(db, files.get("dead-letters"), out);
      }
    }
    if (catalog != null) {
      printIcebergTables(catalog.toBeamConfig().catalog(), out);
    }
    out.flush();
    return Streamy.OK;
  }

  /** The Iceberg options as {@link Settings} reads them for the ingest. */
  private IngestOptions ingestOptions() {
    IngestOptions options = PipelineOptionsFactory.create().as(IngestOptions.class);
    options.setIcebergCatalogType(icebergCatalogType);
    options.setIcebergCatalogUri(icebergCatalogUri);
    options.setIcebergWarehouse(icebergWarehouse);
    options.setIcebergCatalogProperties(icebergCatalogProperties);
    options.setIcebergCatalogConfigFile(icebergCatalogConfigFile);
    return options;
  }

  private static void printEvents(
      Connection db, List<Path> files, String eventTime, PrintWriter out) throws Exception {
    if (files.isEmpty()) {
      out.printf(Locale.ROOT, "  %-13s no Parquet files%n", "events");
      return;
    }
    try (Statement sql = db.createStatement();
        ResultSet row =
            sql.executeQuery(
                "SELECT count(*), epoch_ms(min("
                    + quoted(eventTime)
                    + ")), epoch_ms(max("
                    + quoted(eventTime)
                    + ")) FROM "
                    + parquet(files))) {
      row.next();
      long windows =
          files.stream()
              .map(f -> IngestRun.windowOf(f.getFileName().toString()))
              .distinct()
              .count();
      out.printf(
          Locale.ROOT,
          "  %-13s %,9d rows in %s (%s), %s%n    event time %s .. %s%n",
          "events",
          row.getLong(1),
          count(files.size(), "Parquet file"),
          size(files),
          count(windows, "window"),
          instant(row, 2),
          instant(row, 3));
    }
  }

  /**
   * The aggregates: rows, windows, the events they count (each key's newest pane only: a window
   * that fired early and on time has one row per pane), and the newest window's largest groups.
   */
  private static void printAggregates(
      Connection db, List<Path> files, List<String> keys, PrintWriter out) throws Exception {
    if (files.isEmpty()) {
      out.printf(Locale.ROOT, "  %-13s no Parquet files%n", "aggregates");
      return;
    }
    String keyList = keys.stream().map(InspectCommand::quoted).collect(Collectors.joining(", "));
    String newestPanes =
        "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY window_start"
            + (keys.isEmpty() ? "" : ", " + keyList)
            + " ORDER BY pane_index DESC) AS newest FROM "
            + parquet(files)
            + ") WHERE newest = 1)";
    long newestWindow;
    try (Statement sql = db.createStatement();
        ResultSet row =
            sql.executeQuery(
                "SELECT (SELECT count(*) FROM "
                    + parquet(files)
                    + "), count(DISTINCT window_start), sum(event_count),"
                    + " epoch_ms(max(window_start)), epoch_ms(max(window_end)) FROM "
                    + newestPanes)) {
      row.next();
      newestWindow = row.getLong(4);
      out.printf(
          Locale.ROOT,
          "  %-13s %,9d rows in %s (%s), %s, counting %,d events%n",
          "aggregates",
          row.getLong(1),
          count(files.size(), "Parquet file"),
          size(files),
          count(row.getLong(2), "window"),
          row.getLong(3));
      out.printf(
          Locale.ROOT,
          "    newest window %s .. %s, its largest groups:%n",
          instant(row, 4),
          instant(row, 5));
    }
    List<List<String>> table = new ArrayList<>();
    List<String> header = new ArrayList<>(keys);
    header.addAll(List.of("events", "pane"));
    table.add(header);
    try (PreparedStatement sql =
        db.prepareStatement(
            "SELECT "
                + (keys.isEmpty() ? "" : keyList + ", ")
                + "event_count, pane_timing FROM "
                + newestPanes
                + " WHERE epoch_ms(window_start) = ? ORDER BY event_count DESC"
                + (keys.isEmpty() ? "" : ", " + keyList)
                + " LIMIT 5")) {
      sql.setLong(1, newestWindow);
      try (ResultSet rows = sql.executeQuery()) {
        while (rows.next()) {
          List<String> cells = new ArrayList<>();
          for (int i = 1; i <= keys.size(); i++) {
            cells.add(String.valueOf(rows.getString(i)));
          }
          cells.add(String.format(Locale.ROOT, "%,d", rows.getLong(keys.size() + 1)));
          cells.add(rows.getString(keys.size() + 2));
          table.add(cells);
        }
      }
    }
    printTable(out, "      ", table);
  }

  /** Dead letters by code, each with its first record (by topic, partition, offset) as sample. */
  private static void printDeadLetters(Connection db, List<Path> files, PrintWriter out)
      throws Exception {
    if (files.isEmpty()) {
      out.printf(Locale.ROOT, "  %-13s none%n", "dead letters");
      return;
    }
    List<List<String>> table = new ArrayList<>();
    long total = 0;
    try (Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT errorCode, count(*) FROM "
                    + parquet(files)
                    + " GROUP BY errorCode ORDER BY count(*) DESC, errorCode")) {
      while (rows.next()) {
        total += rows.getLong(2);
        table.add(List.of(rows.getString(1), String.format(Locale.ROOT, "%,d", rows.getLong(2))));
      }
    }
    out.printf(
        Locale.ROOT,
        "  %-13s %,9d rows in %s (%s)%n",
        "dead letters",
        total,
        count(files.size(), "Parquet file"),
        size(files));
    List<List<String>> withSamples = new ArrayList<>();
    // The payload is the user's data: shown on their terminal when asked, never logged.
    withSamples.add(
        List.of("code", "rows", "first at", "stage", "its payload (yours; shown here only)"));
    try (PreparedStatement sql =
        db.prepareStatement(
            "SELECT stage, topic, \"partition\", \"offset\", value FROM "
                + parquet(files)
                + " WHERE errorCode = ? ORDER BY topic, \"partition\", \"offset\" LIMIT 1")) {
      for (List<String> row : table) {
        sql.setString(1, row.get(0));
        try (ResultSet sample = sql.executeQuery()) {
          sample.next();
          withSamples.add(
              List.of(
                  row.get(0),
                  row.get(1),
                  sample.getString(2) + "/" + sample.getInt(3) + "/" + sample.getLong(4),
                  sample.getString(1),
                  decoded(sample.getBytes(5))));
        }
      }
    }
    printTable(out, "    ", withSamples);
  }

  /** Each table's rows and files, and its newest snapshots with what streamy recorded in them. */
  private void printIcebergTables(Catalog catalog, PrintWriter out) {
    for (String name : IngestPipeline.TABLES) {
      TableIdentifier id = TableIdentifier.of(icebergNamespace, name);
      String label = "iceberg " + icebergNamespace + "." + name;
      if (!catalog.tableExists(id)) {
        out.printf(Locale.ROOT, "  %-28s no such table%n", label);
        continue;
      }
      Table table = catalog.loadTable(id);
      Snapshot current = table.currentSnapshot();
      if (current == null) {
        out.printf(Locale.ROOT, "  %-28s no snapshot yet (empty)%n", label);
        continue;
      }
      List<Snapshot> all = new ArrayList<>();
      table.snapshots().forEach(all::add);
      Map<String, String> summary = current.summary();
      out.printf(
          Locale.ROOT,
          "  %-28s %,9d rows in %s (%s), %s%n",
          label,
          Long.parseLong(summary.getOrDefault("total-records", "0")),
          count(Long.parseLong(summary.getOrDefault("total-data-files", "0")), "data file"),
          kib(Long.parseLong(summary.getOrDefault("total-files-size", "0"))),
          count(all.size(), "snapshot"));
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("snapshot", "committed", "operation", "rows", "sink id", "batch"));
      all.sort((a, b) -> Long.compare(b.timestampMillis(), a.timestampMillis()));
      for (Snapshot snapshot : all.subList(0, Math.min(snapshots, all.size()))) {
        Map<String, String> s = snapshot.summary();
        rows.add(
            List.of(
                Long.toString(snapshot.snapshotId()),
                Instant.ofEpochMilli(snapshot.timestampMillis()).toString(),
                String.valueOf(snapshot.operation()),
                rowsOf(snapshot),
                s.getOrDefault("streamy.sink-id", "-"),
                s.getOrDefault("streamy.batch", "-")));
      }
      printTable(out, "      ", rows);
      if (all.size() > snapshots) {
        out.printf(
            Locale.ROOT, "      (%,d older, --snapshots=N to list)%n", all.size() - snapshots);
      }
      all.stream()
          .filter(snapshot -> snapshot.summary().containsKey("streamy.source-offsets"))
          .findFirst()
          .ifPresent(
              snapshot ->
                  out.println(
                      "      newest append read "
                          + offsets(snapshot.summary().get("streamy.source-offsets"))));
    }
  }

  /** What a snapshot did to the rows: appended, rewrote (joined small files) or removed. */
  private static String rowsOf(Snapshot snapshot) {
    long added = Long.parseLong(snapshot.summary().getOrDefault("added-records", "0"));
    long deleted = Long.parseLong(snapshot.summary().getOrDefault("deleted-records", "0"));
    if (DataOperations.REPLACE.equals(snapshot.operation())) {
      return String.format(Locale.ROOT, "%,d rewritten", added);
    }
    if (deleted == 0) {
      return String.format(Locale.ROOT, "+%,d", added);
    }
    return String.format(Locale.ROOT, "+%,d -%,d", added, deleted);
  }

  /** {@code streamy.source-offsets} as {@code topic/partition first..last}, cut to one line. */
  private static String offsets(String json) {
    List<String> ranges = new ArrayList<>();
    try {
      new ObjectMapper()
          .readTree(json)
          .fields()
          .forEachRemaining(
              range ->
                  ranges.add(
                      range.getKey()
                          + " "
                          + range.getValue().path("first").asText()
                          + ".."
                          + range.getValue().path("last").asText()));
    } catch (IOException e) {
      return "(unreadable streamy.source-offsets: " + e.getMessage() + ")";
    }
    String text = String.join(", ", ranges);
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  /**
   * A payload as text for a terminal: UTF-8, malformed bytes as {@code \xNN}, control and other
   * non-printing characters escaped, cut after {@link #SAMPLE_CHARS} characters of that text.
   */
  static String decoded(@Nullable byte[] value) {
    if (value == null) {
      return "(no value)";
    }
    if (value.length == 0) {
      return "(empty value)";
    }
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(value);
    CharBuffer chars = CharBuffer.allocate(2);
    StringBuilder shown = new StringBuilder();
    while (in.hasRemaining() && shown.length() < SAMPLE_CHARS) {
      chars.clear();
      // One character (or surrogate pair) at a time: a malformed byte is shown as itself.
      chars.limit(1);
      CoderResult result = utf8.decode(in, chars, true);
      if (result.isOverflow() && chars.position() == 0) {
        chars.limit(2);
        result = utf8.decode(in, chars, true);
      }
      chars.flip();
      if (chars.hasRemaining()) {
        shown.append(escaped(chars.toString().codePointAt(0)));
      }
      if (result.isError()) {
        for (int i = 0; i < result.length() && shown.length() < SAMPLE_CHARS; i++) {
          shown.append(String.format(Locale.ROOT, "\\x%02x", in.get() & 0xff));
        }
      } else if (result.isUnderflow() && !chars.hasRemaining()) {
        break;
      }
    }
    return "\""
        + shown
        + (in.hasRemaining() ? "..." : "")
        + "\" ("
        + String.format(Locale.ROOT, "%,d", value.length)
        + " bytes)";
  }

  /** A character as a terminal may show it: control and invisible ones as escapes. */
  private static String escaped(int c) {
    switch (c) {
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      case '\\':
        return "\\\\";
      default:
        break;
    }
    int type = Character.getType(c);
    boolean invisible =
        Character.isISOControl(c)
            || type == Character.FORMAT
            || type == Character.UNASSIGNED
            || type == Character.LINE_SEPARATOR
            || type == Character.PARAGRAPH_SEPARATOR
            || type == Character.PRIVATE_USE
            || type == Character.SURROGATE;
    if (!invisible) {
      return new String(Character.toChars(c));
    }
    return String.format(Locale.ROOT, c > 0xFFFF ? "\\U%08x" : "\\u%04x", c);
  }

  /** DuckDB's reader over exactly {@code files}. */
  private static String parquet(List<Path> files) {
    return "read_parquet(["
        + files.stream()
            .map(f -> "'" + f.toString().replace("'", "''") + "'")
            .collect(Collectors.joining(", "))
        + "], union_by_name = true)";
  }

  private static String quoted(String column) {
    return "\"" + column.replace("\"", "\"\"") + "\"";
  }

  private static String instant(ResultSet row, int column) throws SQLException {
    long millis = row.getLong(column);
    return row.wasNull() ? "-" : Instant.ofEpochMilli(millis).toString();
  }

  private static String size(List<Path> files) throws IOException {
    long bytes = 0;
    for (Path file : files) {
      bytes += Files.size(file);
    }
    return kib(bytes);
  }

  /** {@code 1 window}, {@code 2 windows}. */
  private static String count(long n, String noun) {
    return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
  }

  private static String kib(long bytes) {
    return String.format(Locale.ROOT, "%,d KiB", (bytes + 1023) / 1024);
  }

  /** Columns padded to their widest cell, two spaces apart, each line after {@code indent}. */
  private static void printTable(PrintWriter out, String indent, List<List<String>> rows) {
    int[] widths = new int[rows.isEmpty() ? 0 : rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        // Counts line up on their last digit; everything else reads from the left.
        String align = cell.matches("[\\d,]+") && i > 0 ? "%" : "%-";
        line.append(i == 0 ? "" : "  ").append(String.format(align + widths[i] + "s", cell));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
