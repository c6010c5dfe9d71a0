package dev.streamy.benchmarks;

import dev.streamy.transforms.Contract;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * Runs one contestant alone against the pre-filled topic, times it (wall clock here, CPU and peak
 * memory from the kernel: {@code /usr/bin/time} for the launched process tree, {@code /proc} for
 * the Flink cluster's JVMs) and checks what it wrote, or counted, against the ledger.
 */
final class ContestantRun {

  private static final long POLL_MILLIS = 500;
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final Streamy streamy;
  private final String bootstrapServers;
  private final String topic;
  private final long records;
  private final Expected expected;
  private final Contract contract;
  private final Path work;
  private final Duration timeout;
  private final String runId;
  private final long windowMillis;
  private final @Nullable String windowSize;

  ContestantRun(
      Streamy streamy,
      String bootstrapServers,
      String topic,
      long records,
      Expected expected,
      Contract contract,
      Path work,
      Duration timeout,
      String runId,
      long windowMillis,
      @Nullable String windowSize) {
    this.streamy = streamy;
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.records = records;
    this.expected = expected;
    this.contract = contract;
    this.work = work;
    this.timeout = timeout;
    this.runId = runId;
    this.windowSize = windowSize;
    this.windowMillis = windowMillis;
  }

  /** Runs {@code contestant}; {@code cluster} is the Flink cluster for those that need it. */
  RunResult run(Contestant contestant, @Nullable BenchCluster cluster)
      throws IOException, InterruptedException {
    Path dir = work.resolve("runs").resolve(contestant.name());
    LocalFiles.deleteRecursively(dir);
    Files.createDirectories(dir);
    Path output = dir.resolve("output");
    Path log = dir.resolve("run.log");
    List<String> command = command(contestant, output);
    RunResult.Builder result =
        RunResult.builder()
            .setContestant(contestant.name())
            .setDescription(contestant.description())
            .setCommand(shown(contestant, command))
            .setRecords(records)
            .setLoadAverage(loadAverage());
    if (contestant.kind() == Contestant.Kind.FLINK_STREAMING) {
      return streaming(contestant, command, log, cluster, result);
    }
    double clusterCpu = cluster != null && contestant.kind().onCluster() ? cluster.cpuSeconds() : 0;
    boolean peakReset = cluster == null || !contestant.kind().onCluster() || cluster.resetPeakRss();
    TimedProcess process =
        TimedProcess.start(command, streamy.home(), environment(contestant), log);
    TimedProcess.Usage usage = process.await(timeout);
    result
        .setWallSeconds(usage.wallSeconds())
        .setClientCpuSeconds(usage.cpuSeconds())
        .setClientPeakRssMb(usage.maxRssKib() / 1024.0)
        .setExitCode(usage.exitCode());
    if (cluster != null && contestant.kind().onCluster()) {
      result
          .setClusterCpuSeconds(cluster.cpuSeconds() - clusterCpu)
          .setClusterPeakRssMb(cluster.peakRssKib() / 1024.0);
      if (!peakReset) {
        result.setNote("cluster memory: peak since the cluster started (reset refused)");
      }
    }
    if (usage.timedOut()) {
      return result
          .setCheckPassed(false)
          .setCheck("FAILED: no end within " + timeout + "; killed. Log: " + log)
          .build();
    }
    if (usage.exitCode() != 0) {
      return result
          .setCheckPassed(false)
          .setCheck("FAILED: " + exit(usage.exitCode()) + ": " + tail(log))
          .build();
    }
    if (contestant.kind() == Contestant.Kind.BASELINE) {
      result.setNote(baselineNote(log));
    }
    LedgerCheck.Result check =
        contestant.kind() == Contestant.Kind.EMBEDDED_ICEBERG
            ? LedgerCheck.iceberg(output, expected, contract, windowMillis)
            : LedgerCheck.parquet(output, expected, contract, windowMillis);
    return result.setCheckPassed(check.passed()).setCheck(check.summary()).build();
  }

  /**
   * A streaming job over the pre-filled topic: timed from launch until its {@code records_read}
   * counter reaches N; the cluster's CPU is taken at that moment, the client's when it exits (right
   * after submitting). Then the counters settle, are checked, and the job is cancelled.
   */
  private RunResult streaming(
      Contestant contestant,
      List<String> command,
      Path log,
      @Nullable BenchCluster cluster,
      RunResult.Builder result)
      throws IOException, InterruptedException {
    if (cluster == null) {
      throw new IllegalStateException("a streaming contestant needs the Flink cluster");
    }
    String jobName = jobName(contestant);
    double clusterCpu = cluster.cpuSeconds();
    boolean peakReset = cluster.resetPeakRss();
    TimedProcess client = TimedProcess.start(command, streamy.home(), environment(contestant), log);
    long started = client.startedNanos();
    long deadline = started + timeout.toNanos();
    CounterSnapshots snapshots = new CounterSnapshots();
    Optional<String> jobId = Optional.empty();
    String failure = null;
    long heapPeak = 0;
    while (true) {
      long now = System.nanoTime();
      snapshots.cpu(now, cluster.cpuSeconds());
      if (now > deadline) {
        failure = "records_read did not reach " + records + " within " + timeout;
        break;
      }
      if (jobId.isEmpty()) {
        jobId = cluster.jobNamed(jobName);
        if (jobId.isEmpty() && !client.isAlive() && cluster.jobNamed(jobName).isEmpty()) {
          failure = "the client ended without submitting job " + jobName + ": " + tail(log);
          break;
        }
      } else {
        long read = cluster.counters(jobId.get()).getOrDefault(StreamyCounters.RECORDS_READ, 0L);
        snapshots.count(now, read);
        heapPeak = Math.max(heapPeak, cluster.largestTaskManagerHeapUsed());
        if (read >= records) {
          break;
        }
        String state = cluster.state(jobId.get());
        if (List.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
          failure = "job " + jobId.get() + " ended " + state + " before reading " + records;
          break;
        }
      }
      Thread.sleep(POLL_MILLIS);
    }
    long reached = failure == null ? snapshots.reached(records) : System.nanoTime();
    double clusterRssMb = cluster.peakRssKib() / 1024.0;
    TimedProcess.Usage usage =
        client.await(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000_000L)));
    result
        .setWallSeconds((reached - started) / 1e9)
        .setClientCpuSeconds(usage.cpuSeconds())
        .setClientPeakRssMb(usage.maxRssKib() / 1024.0)
        .setClusterCpuSeconds(snapshots.cpuAt(reached) - clusterCpu)
        .setClusterPeakRssMb(clusterRssMb)
        .setExitCode(failure == null ? usage.exitCode() : 1);
    String note = "";
    if (failure == null) {
      note =
          String.format(
              Locale.ROOT,
              "records_read = N first seen after %.1f s (Flink's metric snapshots come every"
                  + " 10 s); the time is extrapolated from the snapshots before",
              (snapshots.observed(records) - started) / 1e9);
    }
    if (!peakReset) {
      note += "; cluster memory: peak since the cluster started (reset refused)";
    }
    if (jobId.isPresent()) {
      note +=
          String.format(
              Locale.ROOT,
              "; largest TaskManager heap used (sampled every %d ms): %.0f MB; %s",
              POLL_MILLIS,
              heapPeak / 1e6,
              cluster.checkpointSizes(jobId.get()));
    }
    result.setNote(note);
    try {
      if (failure == null && usage.exitCode() != 0) {
        failure = "the client ended with " + exit(usage.exitCode()) + ": " + tail(log);
      }
      if (failure != null) {
        return result.setCheckPassed(false).setCheck("FAILED: " + failure).build();
      }
      Map<String, Long> counters = settled(cluster, jobId.get());
      LedgerCheck.Result check = LedgerCheck.counters(counters, expected);
      return result.setCheckPassed(check.passed()).setCheck(check.summary()).build();
    } finally {
      if (jobId.isPresent()) {
        try {
          cluster.cancel(jobId.get());
        } catch (IOException | IllegalStateException e) {
          // The run's result stands; a job that will not stop is the cluster's to end.
          System.err.println("bench: could not cancel job " + jobId.get() + ": " + e.getMessage());
        }
      }
    }
  }

  /**
   * The job's counters once every record read has reached its last counted step (valid or dead
   * lettered, unique or duplicate), or as they are after {@link #SETTLE}.
   */
  private Map<String, Long> settled(BenchCluster cluster, String jobId)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    Map<String, Long> counters = cluster.counters(jobId);
    while (System.nanoTime() < deadline) {
      long read = counters.getOrDefault(StreamyCounters.RECORDS_READ, 0L);
      long valid = counters.getOrDefault(StreamyCounters.EVENTS_VALID, 0L);
      long deadLetters =
          counters.entrySet().stream()
              .filter(e -> e.getKey().startsWith(StreamyCounters.DEAD_LETTERS_PREFIX))
              .filter(e -> !e.getKey().equals(StreamyCounters.DEAD_LETTERS_WRITTEN))
              .filter(e -> !e.getKey().equals(StreamyCounters.deadLetters(ErrorCode.TS_LATE)))
              .mapToLong(Map.Entry::getValue)
              .sum();
      long deduplicated =
          counters.getOrDefault(StreamyCounters.DUPLICATES_REMOVED, 0L)
              + counters.getOrDefault(StreamyCounters.EVENTS_UNIQUE, 0L);
      if (read >= records && valid + deadLetters == read && deduplicated == valid) {
        return counters;
      }
      Thread.sleep(1_000);
      counters = cluster.counters(jobId);
    }
    return counters;
  }

  /** The command that runs {@code contestant}, writing to {@code output}. */
  List<String> command(Contestant contestant, Path output) {
    List<String> command = new ArrayList<>();
    if (contestant.kind() == Contestant.Kind.BASELINE) {
      command.add(javaBinary());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(Baseline.class.getName());
    } else {
      command.add(streamy.script().toString());
      command.add("ingest");
    }
    command.add("--bootstrapServers=" + bootstrapServers);
    command.add("--inputTopic=" + topic);
    command.add("--output=" + output);
    switch (contestant.kind()) {
      case BASELINE:
        command.add("--maxRecords=" + records);
        break;
      case EMBEDDED:
        command.add("--maxRecords=" + records);
        command.add("--sink=parquet");
        break;
      case EMBEDDED_ICEBERG:
        command.add("--maxRecords=" + records);
        command.add("--sink=iceberg");
        break;
      case DIRECT:
        command.add("--runner=direct");
        command.add("--maxRecords=" + records);
        command.add("--sink=parquet");
        break;
      case FLINK_BOUNDED:
        command.add("--runner=flink");
        command.add("--parallelism=" + contestant.parallelism());
        command.add("--maxRecords=" + records);
        command.add("--sink=parquet");
        command.add("--jobName=" + jobName(contestant));
        break;
      case FLINK_STREAMING:
        command.add("--runner=flink");
        command.add("--parallelism=" + contestant.parallelism());
        command.add("--sink=parquet");
        command.add("--jobName=" + jobName(contestant));
        break;
    }
    if (windowSize != null) {
      command.add("--windowSize=" + windowSize);
    }
    if (contestant.kind() != Contestant.Kind.BASELINE) {
      // A group of its own: a group that an earlier run committed offsets for would start there.
      command.add("--consumerGroup=bench-" + contestant.name() + "-" + runId);
    }
    return command;
  }

  private String jobName(Contestant contestant) {
    return "bench-" + contestant.name() + "-" + runId;
  }

  private Map<String, String> environment(Contestant contestant) {
    return contestant.kind() == Contestant.Kind.BASELINE ? Map.of() : streamy.environment();
  }

  /** The command as the report shows it: the environment it had, paths relative to the checkout. */
  private String shown(Contestant contestant, List<String> command) {
    List<String> words = new ArrayList<>();
    if (contestant.kind() != Contestant.Kind.BASELINE) {
      streamy.environment().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> words.add(e.getKey() + "=" + relative(e.getValue())));
    }
    for (int i = 0; i < command.size(); i++) {
      String word = command.get(i);
      if (i > 0 && command.get(i - 1).equals("-cp")) {
        words.add("benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)");
      } else if (i == 0 && contestant.kind() == Contestant.Kind.BASELINE) {
        words.add("java");
      } else {
        words.add(relative(word));
      }
    }
    return String.join(" ", words);
  }

  private String relative(String word) {
    if (word.equals(streamy.script().toString())) {
      return "./streamy";
    }
    String home = streamy.home().toString() + "/";
    return word.replace(home, "").replace(streamy.home().toString(), ".");
  }

  /** The 1-minute load average now: other work on the machine skews every figure. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** What the baseline's summary line says of its own time (JVM start and class loading aside). */
  private static String baselineNote(Path log) throws IOException {
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith(BaselineRun.SUMMARY_PREFIX)) {
        BaselineRun.Summary summary =
            BaselineRun.Summary.fromJson(line.substring(BaselineRun.SUMMARY_PREFIX.length()));
        return String.format(
            Locale.ROOT,
            "in its JVM %.1f s from opening the consumer to the last file closed"
                + " (%,.0f records/s); %d windows, %d aggregate rows",
            summary.seconds(),
            summary.read() / Math.max(summary.seconds(), 1e-9),
            summary.windows(),
            summary.aggregates());
      }
    }
    return "no BASELINE summary line in " + log;
  }

  /** The last lines of a log (progress lines split at their carriage returns), on one line. */
  static String tail(Path log) {
    try {
      String[] lines = Files.readString(log, StandardCharsets.UTF_8).split("[\\r\\n]+");
      List<String> kept = new ArrayList<>();
      for (int i = lines.length - 1; i >= 0 && kept.size() < 3; i--) {
        String line = lines[i].trim();
        if (!line.isEmpty()) {
          kept.add(0, line.length() > 200 ? line.substring(0, 200) + "..." : line);
        }
      }
      return (kept.isEmpty() ? "(empty log)" : String.join(" | ", kept)) + " (log: " + log + ")";
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** What an exit code says: above 128, the signal that ended the process (not the harness's). */
  static String exit(int code) {
    if (code == 143) {
      return "exit code 143: ended by SIGTERM from outside the harness";
    }
    if (code == 137) {
      return "exit code 137: ended by SIGKILL from outside the harness (or the OOM killer)";
    }
    return "exit code " + code;
  }
}
