package dev.streamy.runners;

import dev.streamy.options.KafkaConfig;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Preflight;
import dev.streamy.templates.PipelineArgs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/**
 * The ingest pipeline as the CLI starts it: its settings read and checked, the preflight, and a
 * DirectRunner run with a progress line and a summary. The one place the CLI uses {@link
 * IngestPipeline} and its settings.
 */
final class IngestRun {

  private IngestRun() {}

  /**
   * The options as typed settings; a bad value fails here, naming the option.
   *
   * @throws IllegalArgumentException on a value the pipeline cannot run with
   */
  static IngestPipeline.Settings settings(IngestOptions options) {
    if (options.getMaxRecords() < 0) {
      // Until Settings.from refuses it itself: a negative bound would silently stream forever.
      throw new IllegalArgumentException(
          "--maxRecords="
              + options.getMaxRecords()
              + ": use 0 (stream until stopped) or a positive number of records to read");
    }
    return IngestPipeline.Settings.from(options);
  }

  /** The broker answers, the input topic exists, the output folder is writable. */
  static void preflight(IngestOptions options) {
    Preflight.checkIngest(
        options.getBootstrapServers(),
        KafkaConfig.fromFileAndText(options.getKafkaConfigFile(), options.getKafkaConsumerConfig()),
        options.getInputTopic(),
        options.getOutput());
  }

  /**
   * Runs the ingest pipeline on the DirectRunner with a progress line, then prints the summary. The
   * secrets are taken off {@code options} first: the runner only sees the settings' copy.
   */
  static PipelineResult runWithProgress(
      IngestOptions options, IngestPipeline.Settings settings, PrintStream out) throws IOException {
    Path output = Path.of(options.getOutput()).toAbsolutePath();
    PipelineArgs.redact(options);
    options.as(DirectOptions.class).setBlockOnRun(false);
    long started = System.nanoTime();
    PipelineResult result = IngestPipeline.run(options, settings);
    PipelineResult.State state;
    do {
      state = result.waitUntilFinish(Duration.standardSeconds(1));
      Map<String, Long> counters = IngestPipeline.counters(result);
      out.printf(
          Locale.ROOT,
          "\r  read %,d | valid %,d | duplicates %,d | dead letters %,d | %.0fs   ",
          counters.getOrDefault("records_read", 0L),
          counters.getOrDefault("events_valid", 0L),
          counters.getOrDefault("duplicates_removed", 0L),
          deadLetters(counters),
          (System.nanoTime() - started) / 1e9);
      out.flush();
    } while (state == null || !state.isTerminal());
    out.println();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended " + state);
    }
    printSummary(IngestPipeline.counters(result), output, seconds, out);
    if (settings.sink != IngestPipeline.Sink.PARQUET) {
      printIcebergTables(settings, options.getOutput().replaceAll("/+$", ""), out);
    }
    return result;
  }

  /** Snapshots and rows of each table, read back through the Iceberg catalog itself. */
  private static void printIcebergTables(
      IngestPipeline.Settings settings, String output, PrintStream out) {
    org.apache.iceberg.catalog.Catalog catalog =
        settings.icebergCatalog(output).toBeamConfig().catalog();
    for (String name :
        List.of(
            IngestPipeline.EVENTS_TABLE,
            IngestPipeline.AGGREGATES_TABLE,
            IngestPipeline.DEAD_LETTERS_TABLE)) {
      org.apache.iceberg.Table table =
          catalog.loadTable(
              org.apache.iceberg.catalog.TableIdentifier.of(settings.icebergNamespace, name));
      int snapshots = 0;
      for (org.apache.iceberg.Snapshot ignored : table.snapshots()) {
        snapshots++;
      }
      String rows =
          table.currentSnapshot() == null
              ? "0"
              : table.currentSnapshot().summary().getOrDefault("total-records", "?");
      out.printf(
          Locale.ROOT,
          "  iceberg %-22s %s rows, %d snapshots, at %s%n",
          settings.icebergNamespace + "." + name,
          rows,
          snapshots,
          table.location());
    }
  }

  private static long deadLetters(Map<String, Long> counters) {
    return counters.entrySet().stream()
        .filter(e -> e.getKey().startsWith("dead_letters_") && !e.getKey().endsWith("_written"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static void printSummary(
      Map<String, Long> counters, Path output, double seconds, PrintStream out) throws IOException {
    long read = counters.getOrDefault("records_read", 0L);
    out.println("streamy summary");
    out.printf(Locale.ROOT, "  records read        %,d%n", read);
    out.printf(
        Locale.ROOT, "  valid events        %,d%n", counters.getOrDefault("events_valid", 0L));
    out.printf(
        Locale.ROOT,
        "  duplicates removed  %,d%n",
        counters.getOrDefault("duplicates_removed", 0L));
    out.printf(
        Locale.ROOT, "  events windowed     %,d%n", counters.getOrDefault("events_windowed", 0L));
    out.printf(Locale.ROOT, "  dead letters        %,d%n", deadLetters(counters));
    counters.forEach(
        (name, value) -> {
          if (name.startsWith("dead_letters_") && !name.endsWith("_written") && value > 0) {
            out.printf(
                Locale.ROOT, "    %-18s %,d%n", name.substring("dead_letters_".length()), value);
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
        "  throughput          %,.0f records/s (%.1f s, DirectRunner)%n",
        read / seconds,
        seconds);
  }

  static List<Path> parquetFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(folder)) {
      return all.filter(p -> p.toString().endsWith(".parquet"))
          .filter(p -> !p.toString().contains("/."))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static final Pattern WINDOW_IN_NAME =
      Pattern.compile("-(\\d{8}T[0-9.]+Z-\\d{8}T[0-9.]+Z)-pane-");

  /** The window part of a file name, {@code <prefix>-<start>-<end>-pane-...}. */
  private static String windowOf(String fileName) {
    Matcher window = WINDOW_IN_NAME.matcher(fileName);
    return window.find() ? window.group(1) : fileName;
  }
}
