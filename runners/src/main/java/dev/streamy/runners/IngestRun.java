package dev.streamy.runners;

import dev.streamy.io.ReadDeadLetters;
import dev.streamy.pipelines.BackfillPlan;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/**
 * The ingest pipeline as the CLI starts it: its settings read and checked, the preflight, and a
 * DirectRunner run with a progress line and a summary. The one place the CLI uses {@link
 * IngestPipeline} and its settings.
 */
final class IngestRun {

  /** How often the progress line asks the broker for the lag. */
  private static final int LAG_EVERY_SECONDS = 5;

  private IngestRun() {}

  /**
   * Runs the ingest pipeline on the DirectRunner with a progress line, then prints the summary. The
   * secrets are taken off {@code options} first: the runner only sees the settings' copy.
   */
  static PipelineResult runWithProgress(IngestOptions options, Settings settings, PrintStream out)
      throws IOException {
    return runWithProgress(options, settings, out, null);
  }

  /**
   * As {@link #runWithProgress(IngestOptions, Settings, PrintStream)}, with the run's counters
   * served for Prometheus on {@code metricsPort} ({@link MetricsEndpoint}) while it runs, when not
   * null.
   */
  static PipelineResult runWithProgress(
      IngestOptions options, Settings settings, PrintStream out, @Nullable Integer metricsPort)
      throws IOException {
    Path output = Path.of(settings.getOutput()).toAbsolutePath();
    PipelineArgs.redact(options);
    options.as(DirectOptions.class).setBlockOnRun(false);
    long started = System.nanoTime();
    BackfillPlan backfill = settings.isBackfill() ? BackfillPlan.prepare(settings) : null;
    if (backfill != null) {
      out.println("  " + backfill.describe());
    }
    // A backfill reads a range, not the topic from where the group is: no lag to show.
    InputLag lag = backfill == null ? InputLag.of(settings) : null;
    PipelineResult result = IngestPipeline.run(settings, backfill);
    PipelineResult.State state;
    long behind = -1;
    long[] lastLag = {-1};
    int tick = 0;
    MetricsEndpoint metrics = null;
    try {
      if (metricsPort != null) {
        metrics = MetricsEndpoint.start(metricsPort, result, lag == null ? null : () -> lastLag[0]);
        out.println(
            "streamy: metrics for Prometheus at http://localhost:" + metrics.port() + "/metrics");
      }
      do {
        try {
          state = result.waitUntilFinish(Duration.standardSeconds(1));
        } catch (RuntimeException failed) {
          out.println(); // end the progress line before the error's
          throw failed;
        }
        Map<String, Long> counters = IngestPipeline.counters(result);
        long read = counters.getOrDefault(StreamyCounters.RECORDS_READ, 0L);
        if (lag != null) {
          if (tick++ % LAG_EVERY_SECONDS == 0) {
            lag.refresh();
          }
          behind = lag.behind(read);
          lastLag[0] = behind;
        }
        out.printf(
            Locale.ROOT,
            "\r  read %,d | valid %,d | duplicates %,d | dead letters %,d%s | %.0fs   ",
            read,
            counters.getOrDefault(StreamyCounters.EVENTS_VALID, 0L),
            counters.getOrDefault(StreamyCounters.DUPLICATES_REMOVED, 0L),
            StreamyCounters.deadLetters(counters),
            lag == null
                ? ""
                : " | lag " + (behind < 0 ? "?" : String.format(Locale.ROOT, "%,d", behind)),
            (System.nanoTime() - started) / 1e9);
        out.flush();
      } while (state == null || !state.isTerminal());
    } finally {
      if (lag != null) {
        lag.close();
      }
      if (metrics != null) {
        metrics.close();
      }
    }
    out.println();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended " + state);
    }
    printSummary(IngestPipeline.counters(result), output, seconds, "DirectRunner", out);
    if (settings.getSink().writesIceberg()) {
      printIcebergTables(settings, out);
    }
    return result;
  }

  /** Snapshots and rows of each table, read back through the Iceberg catalog itself. */
  private static void printIcebergTables(Settings settings, PrintStream out) {
    org.apache.iceberg.catalog.Catalog catalog =
        settings.getIcebergCatalog().toBeamConfig().catalog();
    for (String name : IngestPipeline.TABLES) {
      org.apache.iceberg.Table table =
          catalog.loadTable(
              org.apache.iceberg.catalog.TableIdentifier.of(settings.getIcebergNamespace(), name));
      int snapshots = 0;
      for (org.apache.iceberg.Snapshot ignored : table.snapshots()) {
        snapshots++;
      }
      org.apache.iceberg.Snapshot current = table.currentSnapshot();
      Map<String, String> summary = current == null ? Map.of() : current.summary();
      out.printf(
          Locale.ROOT,
          "  iceberg %-22s %s rows in %s data files, %d snapshots%s, at %s%n",
          settings.getIcebergNamespace() + "." + name,
          summary.getOrDefault("total-records", "0"),
          summary.getOrDefault("total-data-files", "0"),
          snapshots,
          current == null ? "" : " (current " + current.snapshotId() + ")",
          table.location());
    }
  }

  /** The counters of a finished run, the files it wrote under {@code output}, its throughput. */
  static void printSummary(
      Map<String, Long> counters, Path output, double seconds, String runner, PrintStream out)
      throws IOException {
    long read = counters.getOrDefault(StreamyCounters.RECORDS_READ, 0L);
    out.println("streamy summary");
    out.printf(Locale.ROOT, "  records read        %,d%n", read);
    out.printf(
        Locale.ROOT,
        "  valid events        %,d%n",
        counters.getOrDefault(StreamyCounters.EVENTS_VALID, 0L));
    out.printf(
        Locale.ROOT,
        "  duplicates removed  %,d%n",
        counters.getOrDefault(StreamyCounters.DUPLICATES_REMOVED, 0L));
    out.printf(
        Locale.ROOT,
        "  events windowed     %,d%n",
        counters.getOrDefault(StreamyCounters.EVENTS_WINDOWED, 0L));
    out.printf(Locale.ROOT, "  dead letters        %,d%n", StreamyCounters.deadLetters(counters));
    Map<String, Long> byCode = new java.util.TreeMap<>();
    StreamyCounters.deadLettersByCode(counters)
        .forEach((ErrorCode code, Long value) -> byCode.put(code.name(), value));
    byCode.forEach(
        (code, value) -> {
          if (value > 0) {
            out.printf(Locale.ROOT, "    %-18s %,d%n", code, value);
          }
        });
    for (String part : List.of("events", "aggregates", "dead-letters")) {
      List<Path> files = parquetFiles(output.resolve(part));
      long bytes = 0;
      for (Path file : files) {
        bytes += Files.size(file);
      }
      long windows =
          files.stream().map(f -> windowOf(f.getFileName().toString())).distinct().count();
      out.printf(
          Locale.ROOT,
          "  %-13s %,5d Parquet files, %,d windows, %,d KiB in %s%n",
          part,
          files.size(),
          windows,
          bytes / 1024,
          output.resolve(part));
    }
    out.printf(
        Locale.ROOT,
        "  throughput          %,.0f records/s (%.1f s, %s)%n",
        read / seconds,
        seconds,
        runner);
  }

  /** The published Parquet files under {@code folder} ({@link ReadDeadLetters#parquetFiles}). */
  static List<Path> parquetFiles(Path folder) {
    return ReadDeadLetters.parquetFiles(folder);
  }

  private static final Pattern WINDOW_IN_NAME =
      Pattern.compile("-(\\d{8}T[0-9.]+Z-\\d{8}T[0-9.]+Z)-pane-");

  /** The window part of a file name, {@code <prefix>-<start>-<end>-pane-...}. */
  static String windowOf(String fileName) {
    Matcher window = WINDOW_IN_NAME.matcher(fileName);
    return window.find() ? window.group(1) : fileName;
  }
}
