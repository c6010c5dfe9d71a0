package dev.streamy.runners;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.pipelines.Sink;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/** The {@code ./streamy} launcher: {@code demo}, {@code ingest} and {@code generate}. */
public final class Streamy {

  private static final String USAGE =
      String.join(
          "\n",
          "usage: ./streamy <command> [--option=value ...]",
          "",
          "  demo      start a local Kafka broker, generate events, ingest them, print a summary",
          "            (--output=DIR, default streamy-output; --count=N, default 10000)",
          "  ingest    run the ingest pipeline against any Kafka",
          "            (--bootstrapServers=... --inputTopic=... --output=... [--maxRecords=N])",
          "  generate  produce realistic and bad recentchange events to any Kafka",
          "            (--bootstrapServers=... --topic=... --count=N [--ledger=FILE])",
          "",
          "  ./streamy <command> --help=dev.streamy.runners.DemoOptions lists every option;",
          "  README.md documents them.");

  /** Where {@code ./streamy demo} writes when no {@code --output} is given. */
  public static final String DEMO_OUTPUT = "streamy-output";

  private Streamy() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      System.out.println(USAGE);
      return;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "demo":
        demo(rest);
        break;
      case "ingest":
        ingest(rest);
        break;
      case "generate":
        GenerateEvents.main(rest);
        break;
      default:
        System.err.println("unknown command: " + args[0] + "\n\n" + USAGE);
        System.exit(2);
    }
  }

  private static void ingest(String[] args) throws IOException {
    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(IngestOptions.class);
    runWithProgress(options, Path.of(options.getOutput()), System.out);
  }

  private static void demo(String[] args) throws Exception {
    PipelineOptionsFactory.register(DemoOptions.class);
    DemoOptions options = PipelineOptionsFactory.fromArgs(args).as(DemoOptions.class);
    Path output =
        Path.of(options.getOutput() == null ? DEMO_OUTPUT : options.getOutput()).toAbsolutePath();
    clearEarlierDemoOutput(output);
    Files.createDirectories(output);
    String topic = options.getInputTopic() == null ? "recentchange" : options.getInputTopic();
    if (Arrays.stream(args).noneMatch(a -> a.startsWith("--sink="))) {
      options.setSink(Sink.BOTH); // the demo shows both outputs unless told otherwise
    }
    System.out.println("streamy demo: starting a local Kafka broker...");
    try (LocalKafka kafka = LocalKafka.start()) {
      System.out.println("streamy demo: broker ready at " + kafka.bootstrapServers());
      options.setBootstrapServers(kafka.bootstrapServers());
      options.setInputTopic(topic);
      options.setTopic(topic);
      options.setOutput(output.toString());
      if (options.getLedger() == null) {
        options.setLedger(output.resolve("ledger.ndjson").toString());
      }
      // The generator creates the input topic (with room for its oversized records).
      kafka.createTopic(topic + ".dlq", 1);
      GenerateEvents.run(options.as(GeneratorOptions.class));
      options.setMaxRecords(options.getCount());
      runWithProgress(options, output, System.out);
      System.out.println("ledger of what was sent: " + options.getLedger());
    }
    System.out.println("streamy demo: broker stopped.");
  }

  /** Removes what an earlier demo wrote, and only that: never a folder of something else. */
  private static void clearEarlierDemoOutput(Path output) throws IOException {
    for (String part :
        List.of("events", "aggregates", "dead-letters", "warehouse", "ledger.ndjson")) {
      Path path = output.resolve(part);
      if (Files.exists(path)) {
        try (Stream<Path> all = Files.walk(path)) {
          for (Path p : all.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
            Files.delete(p);
          }
        }
      }
    }
  }

  /** Runs the ingest pipeline with a progress line, then prints the summary. */
  static PipelineResult runWithProgress(IngestOptions options, Path output, PrintStream out)
      throws IOException {
    options.as(DirectOptions.class).setBlockOnRun(false);
    Settings settings = Settings.from(options);
    long started = System.nanoTime();
    PipelineResult result = IngestPipeline.run(settings);
    PipelineResult.State state;
    do {
      state = result.waitUntilFinish(Duration.standardSeconds(1));
      Map<String, Long> counters = IngestPipeline.counters(result);
      out.printf(
          Locale.ROOT,
          "\r  read %,d | valid %,d | duplicates %,d | dead letters %,d | %.0fs   ",
          counters.getOrDefault(StreamyCounters.RECORDS_READ, 0L),
          counters.getOrDefault(StreamyCounters.EVENTS_VALID, 0L),
          counters.getOrDefault(StreamyCounters.DUPLICATES_REMOVED, 0L),
          StreamyCounters.deadLetters(counters),
          (System.nanoTime() - started) / 1e9);
      out.flush();
    } while (state == null || !state.isTerminal());
    out.println();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended " + state);
    }
    printSummary(IngestPipeline.counters(result), output, seconds, out);
    if (settings.getSink().writesIceberg()) {
      printIcebergTables(settings, out);
    }
    return result;
  }

  /** Snapshots and rows of each table, read back through the Iceberg catalog itself. */
  private static void printIcebergTables(Settings settings, PrintStream out) {
    org.apache.iceberg.catalog.Catalog catalog =
        settings.getIcebergCatalog().toBeamConfig().catalog();
    for (String name :
        List.of(
            IngestPipeline.EVENTS_TABLE,
            IngestPipeline.AGGREGATES_TABLE,
            IngestPipeline.DEAD_LETTERS_TABLE)) {
      org.apache.iceberg.Table table =
          catalog.loadTable(
              org.apache.iceberg.catalog.TableIdentifier.of(settings.getIcebergNamespace(), name));
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
          settings.getIcebergNamespace() + "." + name,
          rows,
          snapshots,
          table.location());
    }
  }

  private static void printSummary(
      Map<String, Long> counters, Path output, double seconds, PrintStream out) throws IOException {
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
