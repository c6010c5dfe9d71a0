package dev.streamy.runners.flink;

import static dev.streamy.runners.flink.SinkContents.deadLetterTopic;
import static dev.streamy.runners.flink.SinkContents.duckDb;
import static dev.streamy.runners.flink.SinkContents.finalFiles;
import static dev.streamy.runners.flink.SinkContents.icebergAggregatePanes;
import static dev.streamy.runners.flink.SinkContents.icebergDeadLetters;
import static dev.streamy.runners.flink.SinkContents.icebergEvents;
import static dev.streamy.runners.flink.SinkContents.metadataVersions;
import static dev.streamy.runners.flink.SinkContents.newestAggregatePanesTotal;
import static dev.streamy.runners.flink.SinkContents.newestPanesTotal;
import static dev.streamy.runners.flink.SinkContents.parquetDeadLetters;
import static dev.streamy.runners.flink.SinkContents.parquetEvents;
import static dev.streamy.runners.flink.SinkContents.readCommitted;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.google.auto.value.AutoValue;
import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.generator.Ledger;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.runners.IcebergTables;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.flink.SinkContents.Found;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Exactly-once on a real Flink cluster, proven the way Flink's own fault-tolerance tests do it: a
 * real Kafka broker, a standalone cluster of one JobManager and two TaskManager JVMs, and one
 * checkpointed streaming job that goes through everything an operator's week can throw at it:
 *
 * <ol>
 *   <li>a backlog in the input topic before the job starts ({@code -Dfault.backlog}, 300,000 by
 *       default), which falls into a handful of 10-second windows;
 *   <li>five {@code kill -9}s of the TaskManager that runs the job while the generator keeps
 *       sending: right after a checkpoint completed, right after an Iceberg data file was written
 *       (and before its commit), right after an Iceberg snapshot commit, right after a DLQ-topic
 *       transaction committed, and right after an events Parquet file was published; each followed
 *       by a new TaskManager;
 *   <li>a restart of the Kafka broker;
 *   <li>a stop with a savepoint and a new submission of the job from that savepoint;
 *   <li>when the generator has stopped, a plain stop of the job: a cancel. What the sinks hold then
 *       must be a part of the ledger with nothing twice; the same submission again must resume from
 *       the cancelled job's last checkpoint ({@link ClusterResume}) and complete every sink.
 * </ol>
 *
 * <p>Then the job is cancelled and every sink is read back with an independent reader and compared
 * with the generator's ledger, record by record: Parquet and Iceberg events, aggregates and dead
 * letters, and the DLQ topic as a {@code read_committed} consumer reads it. Nothing lost, nothing
 * twice.
 */
public class FlinkClusterFaultToleranceIT {

  private static final String TOPIC = "recentchange";

  /** Records in the input topic before the job starts. */
  private static final int BACKLOG = Integer.getInteger("fault.backlog", 300_000);

  /** The generator sends batches of this many records, each with its own seed and ledger. */
  private static final int BATCH = 300;

  private static final int RATE = 60;
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(12);

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final List<String> report = new ArrayList<>();
  private final AtomicInteger acknowledged = new AtomicInteger();
  private final Instant started = Instant.now();
  private Path lastSubmitLog;

  @Test
  public void aWeekOfFaultsLosesNothingAndDuplicatesNothingInAnySink() throws Exception {
    Path output = temp.newFolder("out").toPath();
    Path ledgers = temp.newFolder("ledgers").toPath();
    Path savepoints = temp.newFolder("savepoints").toPath();
    // Under target/, so the cluster's logs outlive a failed run.
    Path flink =
        Files.createTempDirectory(Files.createDirectories(Path.of("target")), "fault-flink-");
    try (LocalKafka kafka = LocalKafka.start();
        FlinkTestCluster cluster =
            FlinkTestCluster.start(Path.of(System.getProperty("streamy.flink.lib")), flink, 2, 1)) {
      kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
      kafka.createTopic(TOPIC + ".dlq", 1);
      List<Ledger.Entry> backlog =
          generateBatch(kafka.bootstrapServers(), ledgers.resolve("backlog.ndjson"), BACKLOG, 0, 7);
      log("backlog: %d records in the topic before the job starts", backlog.size());
      String jobId = submit(cluster, kafka, output, null);
      log("job %s submitted to %s (web UI %s)", jobId, cluster.master(), cluster.restUrl());

      // The generator keeps sending until the faults are done, so each one hits the job
      // mid-stream whatever the machine's speed; it stops between batches, so every record it
      // sent is in a ledger.
      ExecutorService background = Executors.newSingleThreadExecutor();
      AtomicBoolean keepSending = new AtomicBoolean(true);
      Future<List<Ledger.Entry>> generated =
          background.submit(() -> generate(kafka.bootstrapServers(), ledgers, keepSending));
      try {
        killRunningTaskManager(
            cluster, jobId, "right after a checkpoint completed", checkpointsGrew(cluster, jobId));
        killRunningTaskManager(
            cluster,
            jobId,
            "right after an Iceberg data file was written",
            icebergDataFilesGrew(output));
        killRunningTaskManager(
            cluster, jobId, "right after an Iceberg snapshot commit", snapshotsGrew(output));
        killRunningTaskManager(
            cluster, jobId, "right after a DLQ-topic transaction committed", dlqCommitted(kafka));
        killRunningTaskManager(
            cluster, jobId, "right after an events file was published", eventFilesGrew(output));
        restartBroker(cluster, jobId, kafka);
        jobId = stopAndResubmit(cluster, jobId, kafka, output, savepoints, "mid-stream");
        assertTrue("the generator was still sending after the faults", !generated.isDone());
        keepSending.set(false);
        List<Ledger.Entry> sent = new ArrayList<>(backlog);
        sent.addAll(generated.get(5, TimeUnit.MINUTES));
        log("generator done: %d records acknowledged by Kafka", sent.size());
        Expected expected = Expected.from(sent);

        // A plain stop a little after the generator stopped (two checkpoints later): a cancel,
        // as `flink cancel` does it, then the same submission again.
        String stopped = jobId;
        awaitCondition(
            "two checkpoints after the generator stopped", checkpointsGrew(cluster, stopped, 2));
        cluster.cancel(stopped);
        awaitCondition("job cancelled", () -> cluster.jobState(stopped).equals("CANCELED"));
        log("cancelled job %s", stopped);
        checkNothingTwice(expected, output, kafka);
        jobId = submit(cluster, kafka, output, null);
        String resumed = Files.readString(lastSubmitLog);
        assertTrue(
            "the resubmitted job resumes from the cancelled one's last checkpoint:\n" + resumed,
            resumed.contains("streamy: resuming from"));
        log(
            "submitted again with the same options as job %s: %s",
            jobId,
            resumed
                .lines()
                .filter(line -> line.contains("streamy: resuming from"))
                .findFirst()
                .orElseThrow()
                .replaceAll(",.*", "")
                .replaceAll("file:/.*/fault-flink-", "file:.../fault-flink-"));

        awaitDrained(expected, output, kafka);
        log(
            "job failures seen by Flink since the last resume: %d; completed checkpoints: %d",
            cluster.failures(jobId), cluster.completedCheckpoints(jobId));
        cluster.cancel(jobId);
        String cancelled = jobId;
        awaitCondition("job cancelled", () -> cluster.jobState(cancelled).equals("CANCELED"));
        check(expected, output, kafka);
      } finally {
        background.shutdownNow();
        Files.write(
            Path.of("target", "flink-fault-injection-report.txt"), report, StandardCharsets.UTF_8);
      }
    }
  }

  // ---- the job and the generator

  private String submit(
      FlinkTestCluster cluster, LocalKafka kafka, Path output, @Nullable String savepoint)
      throws Exception {
    String jar = System.getProperty("streamy.flink.jar");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar,
                "--flinkMaster=" + cluster.master(),
                "--filesToStage=" + jar,
                "--parallelism=1",
                "--checkpointingInterval=3000",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--sink=both",
                "--windowSize=10s",
                "--maxOutOfOrderness=2s",
                "--icebergCommitInterval=10s"));
    if (savepoint != null) {
      command.add("--savepointPath=" + savepoint);
    }
    List<String> before = cluster.activeJobs();
    Path log = Files.createTempFile(temp.getRoot().toPath(), "submit-", ".log");
    lastSubmitLog = log;
    Process submit =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    boolean exited = submit.waitFor(3, TimeUnit.MINUTES);
    assertTrue("submission finished:\n" + Files.readString(log), exited);
    assertEquals("submission exit code:\n" + Files.readString(log), 0, submit.exitValue());
    awaitCondition("a new job on the cluster", () -> cluster.activeJobs().size() > before.size());
    List<String> jobs = cluster.activeJobs();
    jobs.removeAll(before);
    String jobId = jobs.get(0);
    awaitCondition("job running", () -> cluster.isFullyRunning(jobId));
    return jobId;
  }

  private List<Ledger.Entry> generate(
      String bootstrapServers, Path ledgers, AtomicBoolean keepSending) throws IOException {
    List<Ledger.Entry> sent = new ArrayList<>();
    for (int batch = 0; keepSending.get(); batch++) {
      Path ledger = ledgers.resolve("ledger-" + batch + ".ndjson");
      sent.addAll(generateBatch(bootstrapServers, ledger, BATCH, RATE, 23 + batch));
      acknowledged.set(sent.size());
    }
    return sent;
  }

  private static List<Ledger.Entry> generateBatch(
      String bootstrapServers, Path ledger, int count, int rate, int seed) throws IOException {
    PipelineOptionsFactory.register(GeneratorOptions.class);
    GeneratorOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + bootstrapServers,
                "--topic=" + TOPIC,
                "--count=" + count,
                "--rate=" + rate,
                "--badShare=0.1",
                "--duplicateShare=0.02",
                "--seed=" + seed,
                "--ledger=" + ledger)
            .as(GeneratorOptions.class);
    GenerateEvents.run(options);
    return Ledger.read(ledger);
  }

  // ---- broker restart and savepoints

  private void restartBroker(FlinkTestCluster cluster, String jobId, LocalKafka kafka)
      throws Exception {
    awaitCondition("job running before the broker restart", () -> cluster.isFullyRunning(jobId));
    long before = kafka.pid();
    Instant down = Instant.now();
    kafka.restart();
    log(
        "Kafka broker restarted (pid %d -> %d, back after %d ms); the generator is sending (%d"
            + " live records so far)",
        before, kafka.pid(), Duration.between(down, Instant.now()).toMillis(), acknowledged.get());
    long checkpoints = cluster.completedCheckpoints(jobId);
    awaitCondition(
        "a checkpoint after the broker restart",
        () -> cluster.isFullyRunning(jobId) && cluster.completedCheckpoints(jobId) > checkpoints);
    log("  job running again, %d job failures so far", cluster.failures(jobId));
  }

  private String stopAndResubmit(
      FlinkTestCluster cluster,
      String jobId,
      LocalKafka kafka,
      Path output,
      Path savepoints,
      String when)
      throws Exception {
    awaitCondition("job running before the stop", () -> cluster.isFullyRunning(jobId));
    String savepoint = cluster.stopWithSavepoint(jobId, savepoints, STEP_TIMEOUT);
    log("stopped %s with savepoint %s", when, savepoint);
    String resumed = submit(cluster, kafka, output, savepoint);
    log("  resubmitted from the savepoint as job %s", resumed);
    return resumed;
  }

  // ---- kills

  private void killRunningTaskManager(
      FlinkTestCluster cluster, String jobId, String moment, Condition trigger) throws Exception {
    awaitCondition("job running before the kill", () -> cluster.isFullyRunning(jobId));
    awaitCondition(moment, trigger);
    List<String> running = cluster.taskManagersRunning(jobId);
    String victimId = running.get(0);
    ProcessHandle victim = cluster.taskManagers().get(victimId);
    assertTrue("the TaskManager running the job is a live process: " + running, victim != null);
    int failuresBefore = cluster.failures(jobId);
    victim.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to the JobManager
    Instant killed = Instant.now();
    log(
        "kill -9 %s (pid %d) %s; the generator is sending (%d live records so far)",
        victimId, victim.pid(), moment, acknowledged.get());
    awaitCondition(
        "job restarted elsewhere after the kill",
        () ->
            cluster.failures(jobId) > failuresBefore
                && cluster.isFullyRunning(jobId)
                && !cluster.taskManagersRunning(jobId).contains(victimId));
    log(
        "  Flink noticed, restarted the job from its last checkpoint, running on %s after %d ms",
        cluster.taskManagersRunning(jobId), Duration.between(killed, Instant.now()).toMillis());
    cluster.addTaskManager();
    log("  TaskManager restarted; live now: %s", cluster.taskManagers().keySet());
  }

  private static Condition eventFilesGrew(Path output) throws IOException {
    int before = finalFiles(output.resolve("events")).size();
    return () -> finalFiles(output.resolve("events")).size() > before;
  }

  private static Condition icebergDataFilesGrew(Path output) throws IOException {
    Path data = output.resolve("warehouse/streamy/events/data");
    int before = finalFiles(data).size();
    return () -> finalFiles(data).size() > before;
  }

  /** The DLQ topic's last stable offset (what a read_committed consumer can read) grew. */
  private static Condition dlqCommitted(LocalKafka kafka) {
    long before = committedEnd(kafka);
    return () -> committedEnd(kafka) > before;
  }

  private static long committedEnd(LocalKafka kafka) {
    TopicPartition partition = new TopicPartition(TOPIC + ".dlq", 0);
    try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(kafka)) {
      return consumer.endOffsets(List.of(partition)).get(partition);
    }
  }

  private static Condition snapshotsGrew(Path output) throws IOException {
    Path metadata = output.resolve("warehouse/streamy/events/metadata");
    int before = metadataVersions(metadata);
    return () -> metadataVersions(metadata) > before;
  }

  private static Condition checkpointsGrew(FlinkTestCluster cluster, String jobId)
      throws Exception {
    return checkpointsGrew(cluster, jobId, 1);
  }

  private static Condition checkpointsGrew(FlinkTestCluster cluster, String jobId, int by)
      throws Exception {
    long before = cluster.completedCheckpoints(jobId);
    return () -> cluster.completedCheckpoints(jobId) >= before + by;
  }

  // ---- read-back

  /** What the ledger says should be where, by Kafka coordinates "partition/offset". */
  @AutoValue
  abstract static class Expected {
    abstract Set<String> events();

    abstract Map<String, String> deadLetters();

    static Expected from(List<Ledger.Entry> sent) {
      Set<String> events = new HashSet<>();
      Map<String, String> deadLetters = new HashMap<>();
      for (Ledger.Entry entry : sent) {
        String at = entry.partition() + "/" + entry.offset();
        if (entry.expected().equals("EVENT")) {
          events.add(at);
        } else if (entry.expected().startsWith("DLQ:")) {
          deadLetters.put(at, entry.expected().substring(4));
        }
      }
      return new AutoValue_FlinkClusterFaultToleranceIT_Expected(events, deadLetters);
    }
  }

  private void awaitDrained(Expected expected, Path output, LocalKafka kafka) throws Exception {
    Instant from = Instant.now();
    try {
      awaitSinks(expected, output, kafka);
    } catch (AssertionError timedOut) {
      // Say which sink is short before failing.
      for (Found found : List.of(parquetEvents(output), icebergEvents(output))) {
        summarize(found, expected.events());
      }
      for (Found found :
          List.of(
              parquetDeadLetters(output),
              icebergDeadLetters(output),
              deadLetterTopic(kafka, TOPIC + ".dlq"))) {
        summarize(found, expected.deadLetters().keySet());
        log("  lost: %s", found.lost(expected.deadLetters().keySet()));
      }
      throw timedOut;
    }
    log(
        "every sink complete %d ms after the resume",
        Duration.between(from, Instant.now()).toMillis());
  }

  private void awaitSinks(Expected expected, Path output, LocalKafka kafka) throws Exception {
    awaitCondition(
        "every sink holds every expected record",
        DRAIN_TIMEOUT,
        () ->
            newestAggregatePanesTotal(output) == expected.events().size()
                && newestPanesTotal(icebergAggregatePanes(output)) == expected.events().size()
                && parquetEvents(output).copies().keySet().containsAll(expected.events())
                && parquetDeadLetters(output)
                    .copies()
                    .keySet()
                    .containsAll(expected.deadLetters().keySet())
                && icebergEvents(output).copies().keySet().containsAll(expected.events())
                && icebergDeadLetters(output)
                    .copies()
                    .keySet()
                    .containsAll(expected.deadLetters().keySet())
                && deadLetterTopic(kafka, TOPIC + ".dlq")
                    .copies()
                    .keySet()
                    .containsAll(expected.deadLetters().keySet()));
  }

  /**
   * What a stopped job left in the sinks: records of the ledger, none twice. Records it read but
   * had not written yet (open windows, an uncommitted Iceberg batch) are in its last checkpoint.
   */
  private void checkNothingTwice(Expected expected, Path output, LocalKafka kafka)
      throws Exception {
    List<Found> eventSinks = List.of(parquetEvents(output), icebergEvents(output));
    List<Found> deadLetterSinks =
        List.of(
            parquetDeadLetters(output),
            icebergDeadLetters(output),
            deadLetterTopic(kafka, TOPIC + ".dlq"));
    log("after the stop, before the resume (the rest is in the last checkpoint):");
    for (Found found : eventSinks) {
      summarize(found, expected.events(), "still to come");
      assertEquals("after the stop, written twice: " + found.sink(), 0, found.duplicates());
      assertEquals(
          "after the stop, not by the ledger: " + found.sink(),
          Set.of(),
          found.unexpected(expected.events()));
    }
    for (Found found : deadLetterSinks) {
      summarize(found, expected.deadLetters().keySet(), "still to come");
      assertEquals("after the stop, written twice: " + found.sink(), 0, found.duplicates());
      assertEquals(
          "after the stop, not by the ledger: " + found.sink(),
          Set.of(),
          found.unexpected(expected.deadLetters().keySet()));
    }
  }

  private void check(Expected expected, Path output, LocalKafka kafka) throws Exception {
    log(
        "expected: %d events, %d dead letters (ledger)",
        expected.events().size(), expected.deadLetters().size());
    Found events = parquetEvents(output);
    Found deadLetterFiles = parquetDeadLetters(output);
    Found icebergEvents = icebergEvents(output);
    Found icebergDeadLetters = icebergDeadLetters(output);
    Found icebergEventFiles =
        Found.of(
            "events (Iceberg files)",
            duckDb(
                IcebergTables.currentDataFiles(output, "streamy", IngestPipeline.EVENTS_TABLE),
                "_partition",
                "_offset"));
    Found topic = deadLetterTopic(kafka, TOPIC + ".dlq");
    for (Found found : List.of(events, icebergEvents, icebergEventFiles)) {
      summarize(found, expected.events());
    }
    for (Found found : List.of(deadLetterFiles, icebergDeadLetters, topic)) {
      summarize(found, expected.deadLetters().keySet());
    }
    long aggregated = newestAggregatePanesTotal(output);
    log("aggregates (Parquet): newest panes add up to %d events", aggregated);

    assertEquals("events lost (Parquet)", Set.of(), events.lost(expected.events()));
    assertEquals("events written twice (Parquet)", 0, events.duplicates());
    assertEquals(
        "not events by the ledger (Parquet)", Set.of(), events.unexpected(expected.events()));
    assertEquals("aggregates add up to the events", expected.events().size(), aggregated);
    assertEquals("dead letters written twice (Parquet)", 0, deadLetterFiles.duplicates());
    assertEquals("dead letters sent twice (DLQ topic)", 0, topic.duplicates());
    for (Found found : List.of(deadLetterFiles, icebergDeadLetters, topic)) {
      assertEquals(
          "dead letters lost: " + found.sink(),
          Set.of(),
          found.lost(expected.deadLetters().keySet()));
      assertEquals(
          "not dead letters by the ledger: " + found.sink(),
          Set.of(),
          found.unexpected(expected.deadLetters().keySet()));
    }
    assertEquals("events lost (Iceberg)", Set.of(), icebergEvents.lost(expected.events()));
    assertEquals("events written twice (Iceberg)", 0, icebergEvents.duplicates());
    assertEquals(
        "the current snapshot's data files, read by DuckDB, hold what Iceberg reads",
        icebergEvents.copies(),
        icebergEventFiles.copies());
    assertEquals("dead letters written twice (Iceberg)", 0, icebergDeadLetters.duplicates());
    Map<String, Integer> icebergPanes = icebergAggregatePanes(output);
    long icebergAggregated = newestPanesTotal(icebergPanes);
    long repeatedPanes = icebergPanes.values().stream().filter(n -> n > 1).count();
    log(
        "aggregates (Iceberg): %d pane rows, %d written twice, newest panes add up to %d events",
        icebergPanes.size(), repeatedPanes, icebergAggregated);
    assertEquals("aggregate pane rows written twice (Iceberg)", 0, repeatedPanes);
    assertEquals(
        "aggregates add up to the events (Iceberg)", expected.events().size(), icebergAggregated);
    assertEquals(
        "not events by the ledger (Iceberg)",
        Set.of(),
        icebergEvents.unexpected(expected.events()));
  }

  private void summarize(Found found, Set<String> expected) {
    summarize(found, expected, "lost");
  }

  /** One line per sink; {@code missing} names the records of the ledger the sink lacks. */
  private void summarize(Found found, Set<String> expected, String missing) {
    log(
        "%-22s %6d distinct, %d %s, %d duplicated, %d unexpected",
        found.sink() + ":",
        found.copies().size(),
        found.lost(expected).size(),
        missing,
        found.duplicates(),
        found.unexpected(expected).size());
  }

  // ---- waiting and reporting

  /** A condition polled until it holds; never a fixed sleep standing in for an event. */
  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private void awaitCondition(String what, Condition condition) throws Exception {
    awaitCondition(what, STEP_TIMEOUT, condition);
  }

  private void awaitCondition(String what, Duration timeout, Condition condition) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.holds()) {
      if (Instant.now().isAfter(deadline)) {
        log("timed out waiting for: %s", what);
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
      }
      Thread.sleep(250); // polling interval
    }
  }

  private void log(String format, Object... args) {
    String line =
        String.format(
            "[%6.1fs] %s",
            Duration.between(started, Instant.now()).toMillis() / 1000.0,
            String.format(format, args));
    report.add(line);
    System.out.println(line);
  }
}
