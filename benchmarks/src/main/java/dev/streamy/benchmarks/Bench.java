package dev.streamy.benchmarks;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.generator.Ledger;
import dev.streamy.pipelines.Durations;
import dev.streamy.runners.LocalKafka;
import dev.streamy.transforms.Contract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end throughput harness ({@code benchmarks/bench}): a real local Kafka broker, one
 * 2-partition topic filled with N generator records and their ledger, then each contestant alone,
 * timed and checked against the ledger. A run that is fast but loses or duplicates records is a
 * failure: it is printed as one, and the harness exits 1.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Times streamy's ingest job end to end against the hand-written baseline: a local Kafka"
          + " broker, one topic of N generator records, each contestant alone; wall time, CPU"
          + " (user+sys, Flink cluster JVMs included) and peak memory, and every run's output"
          + " checked against the generator's ledger.",
      "Writes results.md, results.json and records-per-second.svg to --out."
    })
public final class Bench implements Callable<Integer> {

  static final String TOPIC = "bench";
  static final int PARTITIONS = 2;

  @Option(
      names = "--records",
      defaultValue = "300000",
      description = "Records in the topic, and to read (default: ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--contestants",
      defaultValue = Contestant.ALL,
      description = "Comma-separated, run in this order (default: ${DEFAULT-VALUE}).")
  String contestants;

  @Option(
      names = "--out",
      description = "Where the results go (default: benchmarks/results/<date>).")
  @Nullable
  Path out;

  @Option(
      names = "--work",
      description =
          "Scratch folder for outputs, logs and the Flink cluster (default:"
              + " benchmarks/target/bench); emptied first.")
  @Nullable
  Path work;

  @Option(
      names = "--timeout",
      defaultValue = "60m",
      description = "Longest a contestant may take (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--badShare",
      defaultValue = "0.05",
      description = "Generator: share of bad records (default: ${DEFAULT-VALUE}).")
  double badShare;

  @Option(
      names = "--duplicateShare",
      defaultValue = "0.01",
      description = "Generator: share of duplicates (default: ${DEFAULT-VALUE}).")
  double duplicateShare;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--windowSize",
      description =
          "The ingest's --windowSize for every streamy contestant, e.g. 1h to put a whole backlog"
              + " into one window (default: the ingest's own, "
              + "1m).")
  @Nullable
  String windowSize;

  @Option(
      names = "--skipBuild",
      description = "Do not let ./streamy build what is stale first (use what is built).")
  boolean skipBuild;

  @Option(
      names = "--keepOutputs",
      description = "Keep each run's Parquet output under --work (default: deleted once checked).")
  boolean keepOutputs;

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<Contestant> list;
    Duration perRun;
    try {
      list = Contestant.list(contestants);
      perRun = Durations.parse("timeout", timeout);
      if (windowSize != null) {
        Durations.parse("windowSize", windowSize);
      }
      if (records < 1) {
        throw new IllegalArgumentException("--records must be positive");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      return 2;
    }
    if (!Files.isExecutable(Path.of(TimedProcess.TIME))) {
      System.err.println("bench: " + TimedProcess.TIME + " is needed (apt-get install time)");
      return 2;
    }
    Path home = home();
    String date = LocalDate.now(ZoneOffset.UTC).toString();
    Path results = out != null ? out.toAbsolutePath() : home.resolve("benchmarks/results/" + date);
    Path scratch = work != null ? work.toAbsolutePath() : home.resolve("benchmarks/target/bench");
    LocalFiles.deleteRecursively(scratch);
    Files.createDirectories(scratch);
    Map<String, String> machine = MachineInfo.describe();
    // The Flink job jar serves the cluster's jobs and, now, the local default runner too.
    boolean flink =
        list.stream()
            .anyMatch(
                c -> c.kind() != Contestant.Kind.BASELINE && c.kind() != Contestant.Kind.DIRECT);
    Streamy streamy =
        new Streamy(home, Map.of("STREAMY_FLINK_DIR", scratch.resolve("flink-cluster").toString()));
    if (!skipBuild) {
      System.out.println("bench: letting ./streamy build what is stale (log: build.log)...");
      streamy.build(flink, scratch.resolve("build.log"));
    }

    Contract contract = Contract.load(Contract.DEFAULT);
    long windowMillis =
        windowSize == null
            ? BaselineConfig.DEFAULT_WINDOW.getMillis()
            : Durations.parse("windowSize", windowSize).getMillis();
    List<RunResult> runs = new ArrayList<>();
    String data;
    try (LocalKafka kafka = LocalKafka.start()) {
      System.out.println("bench: Kafka broker at " + kafka.bootstrapServers());
      kafka.createTopic(TOPIC + ".dlq", 1);
      Expected expected = generate(kafka, scratch.resolve("ledger.ndjson"));
      data =
          String.format(
              Locale.ROOT,
              "Data: topic `%s`, %d partitions, %,d generator records (seed %d, bad share %s,"
                  + " duplicate share %s): %,d valid unique events, %,d duplicates, dead letters %s.",
              TOPIC,
              PARTITIONS,
              records,
              seed,
              badShare,
              duplicateShare,
              expected.events(),
              expected.deduped(),
              expected.deadLetters());
      System.out.println("bench: " + data);
      String runId = Long.toString(System.currentTimeMillis(), 36);
      ContestantRun runner =
          new ContestantRun(
              streamy,
              kafka.bootstrapServers(),
              TOPIC,
              records,
              expected,
              contract,
              scratch,
              java.time.Duration.ofMillis(perRun.getMillis()),
              runId,
              windowMillis,
              windowSize);
      BenchCluster cluster = null;
      try {
        for (Contestant contestant : list) {
          if (contestant.kind().onCluster() && cluster == null) {
            System.out.println("bench: starting the local Flink cluster...");
            cluster =
                BenchCluster.start(
                    streamy,
                    scratch.resolve("flink-cluster"),
                    scratch.resolve("flink-cluster.log"));
            System.out.println("bench: Flink cluster up, web UI " + cluster.restUrl());
          }
          System.out.println("bench: running " + contestant.name() + "...");
          RunResult run = runner.run(contestant, cluster);
          runs.add(run);
          System.out.printf(
              Locale.ROOT,
              "bench: %s: %.1f s wall, %.1f s CPU, %.0f MB, %,.0f records/s%s -- %s%n",
              run.contestant(),
              run.wallSeconds(),
              run.cpuSeconds(),
              run.peakRssMb(),
              run.recordsPerSecond(),
              run.failed() ? " ***** FAILED *****" : "",
              run.check());
          if (!keepOutputs) {
            LocalFiles.deleteRecursively(
                scratch.resolve("runs").resolve(contestant.name()).resolve("output"));
          }
        }
      } finally {
        if (cluster != null) {
          System.out.println("bench: stopping the Flink cluster");
          cluster.close();
        }
      }
    }

    Reports.Context context =
        new Reports.Context(date, benchCommand(results, home), records, data, machine);
    Reports.write(results, context, runs);
    System.out.println();
    System.out.print(Reports.table(runs));
    System.out.println();
    System.out.println("bench: results in " + results);
    long failed = runs.stream().filter(RunResult::failed).count();
    if (failed > 0) {
      System.out.println();
      System.out.println("*************************************************************");
      System.out.println("bench: " + failed + " run(s) FAILED:");
      runs.stream()
          .filter(RunResult::failed)
          .forEach(r -> System.out.println("  " + r.contestant() + ": " + r.check()));
      System.out.println("*************************************************************");
      return 1;
    }
    return 0;
  }

  /** Fills the topic with N generator records and returns what the ledger expects of them. */
  private Expected generate(LocalKafka kafka, Path ledger) throws IOException {
    PipelineOptionsFactory.register(GeneratorOptions.class);
    GeneratorOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topic=" + TOPIC,
                "--partitions=" + PARTITIONS,
                "--count=" + records,
                "--rate=0",
                "--badShare=" + badShare,
                "--duplicateShare=" + duplicateShare,
                "--seed=" + seed,
                "--ledger=" + ledger)
            .as(GeneratorOptions.class);
    GenerateEvents.run(options);
    List<Ledger.Entry> entries = Ledger.read(ledger);
    if (entries.size() != records) {
      throw new IllegalStateException(
          "the ledger has " + entries.size() + " records, not " + records);
    }
    return Expected.from(entries);
  }

  private String benchCommand(Path results, Path home) {
    return "benchmarks/bench --records="
        + records
        + " --contestants="
        + contestants
        + " --out="
        + (results.startsWith(home) ? home.relativize(results) : results)
        + (seed != 42 ? " --seed=" + seed : "")
        + (badShare != 0.05 ? " --badShare=" + badShare : "")
        + (duplicateShare != 0.01 ? " --duplicateShare=" + duplicateShare : "")
        + (windowSize != null ? " --windowSize=" + windowSize : "");
  }

  /** The checkout: {@code -Dstreamy.home} (the bench script sets it), else above the cwd. */
  static Path home() {
    String home = System.getProperty("streamy.home");
    if (home != null && !home.isBlank()) {
      return Paths.get(home).toAbsolutePath().normalize();
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("streamy"))
          && Files.isDirectory(dir.resolve("runners"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the streamy checkout: pass -Dstreamy.home=<dir>");
  }
}
