package dev.streamy.runners.flink;

import static dev.streamy.runners.flink.SinkContents.deadLetterTopic;
import static dev.streamy.runners.flink.SinkContents.icebergDeadLetters;
import static dev.streamy.runners.flink.SinkContents.icebergEvents;
import static dev.streamy.runners.flink.SinkContents.newestAggregatePanesTotal;
import static dev.streamy.runners.flink.SinkContents.parquetDeadLetters;
import static dev.streamy.runners.flink.SinkContents.parquetEvents;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.runners.Generated;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.StreamyCli;
import dev.streamy.runners.flink.SinkContents.Found;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.Test;

/**
 * {@code ./streamy ingest} streaming on the local default (Flink's embedded mini-cluster), stopped
 * mid-window as a user stops it, then run again with the same options:
 *
 * <ol>
 *   <li>run 1 reads a batch, its offsets are committed while the batch's window is still open, and
 *       the CLI gets {@code kill -9};
 *   <li>run 2 resumes from run 1's last checkpoint, reads a second batch, and gets SIGTERM
 *       mid-window;
 *   <li>run 3 resumes from run 2's and runs until every window has closed.
 * </ol>
 *
 * Every sink then holds the ledger exactly: Parquet and Iceberg events and dead letters, the
 * aggregates, and the DLQ topic read with {@code read_committed}.
 */
public class EmbeddedKillResumeIT {

  private static final String TOPIC = "recentchange";
  private static final String GROUP = "resume-test";
  private static final int BATCH = 1_500;

  /** Long enough that a batch sent just after a window starts is read before the window ends. */
  private static final Duration WINDOW = Duration.ofSeconds(40);

  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

  @Test
  public void killedAndStoppedRunsResumeAndEverySinkHoldsTheLedgerOnce() throws Exception {
    // Under target/, so the runs' logs and output outlive a failed run.
    Path work =
        Files.createTempDirectory(Files.createDirectories(Path.of("target")), "resume-")
            .toAbsolutePath();
    Path output = work.resolve("out");
    List<Ledger.Entry> sent = new ArrayList<>();
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 2);
      kafka.createTopic(TOPIC + ".dlq", 1);

      Path log1 = work.resolve("run-1.log");
      Process run1 = start(work, log1, kafka, output);
      awaitCondition("run 1 completed a checkpoint", () -> checkpointed(output), log1);
      sent.addAll(sendAtWindowStart(kafka, work, 11));
      awaitCondition("run 1 read the batch", () -> readEverything(kafka), log1);
      int published = parquetEvents(output).copies().size();
      assertTrue(
          "the window is still open when run 1 is killed: " + published + " events published",
          published < events(sent).size());
      run1.destroyForcibly(); // SIGKILL: no shutdown hook runs in the CLI
      awaitCondition("run 1 and its job JVM ended", () -> jobJvms(output) == 0, log1);

      Path log2 = work.resolve("run-2.log");
      Process run2 = start(work, log2, kafka, output);
      awaitCondition(
          "run 2 resumed from run 1's checkpoint", () -> logged(log2, "resuming from"), log2);
      awaitRestored(output, log2);
      sent.addAll(sendAtWindowStart(kafka, work, 12));
      awaitCondition("run 2 read the second batch", () -> readEverything(kafka), log2);
      run2.destroy(); // SIGTERM, as `kill` or a service manager sends it
      assertTrue("run 2 ended after SIGTERM", run2.waitFor(2, TimeUnit.MINUTES));
      assertThat(Files.readString(log2), containsString("streamy: stopped. Nothing read is lost"));

      Path log3 = work.resolve("run-3.log");
      Process run3 = start(work, log3, kafka, output);
      awaitCondition(
          "run 3 resumed from run 2's checkpoint", () -> logged(log3, "resuming from"), log3);
      awaitRestored(output, log3);
      Set<String> events = events(sent);
      Set<String> deadLetters = deadLetters(sent);
      try {
        awaitCondition(
            "every sink holds every record",
            () ->
                parquetEvents(output).copies().keySet().containsAll(events)
                    && icebergEvents(output).copies().keySet().containsAll(events)
                    && parquetDeadLetters(output).copies().keySet().containsAll(deadLetters)
                    && icebergDeadLetters(output).copies().keySet().containsAll(deadLetters)
                    && deadLetterTopic(kafka, TOPIC + ".dlq")
                        .copies()
                        .keySet()
                        .containsAll(deadLetters),
            null);
      } catch (AssertionError timedOut) {
        StringBuilder status = new StringBuilder(timedOut.getMessage());
        for (Found found : List.of(parquetEvents(output), icebergEvents(output))) {
          status.append('\n').append(found.sink()).append(": ").append(lost(found, events));
        }
        for (Found found :
            List.of(
                parquetDeadLetters(output),
                icebergDeadLetters(output),
                deadLetterTopic(kafka, TOPIC + ".dlq"))) {
          status.append('\n').append(found.sink()).append(": ").append(lost(found, deadLetters));
        }
        throw new AssertionError(status + "\nlogs in " + work, timedOut);
      }
      run3.destroy();
      assertTrue("run 3 ended after SIGTERM", run3.waitFor(2, TimeUnit.MINUTES));

      for (Found found : List.of(parquetEvents(output), icebergEvents(output))) {
        assertExactly(found, events);
      }
      for (Found found :
          List.of(
              parquetDeadLetters(output),
              icebergDeadLetters(output),
              deadLetterTopic(kafka, TOPIC + ".dlq"))) {
        assertExactly(found, deadLetters);
      }
      assertEquals(
          "the newest aggregate panes add up to the events",
          events.size(),
          newestAggregatePanesTotal(output));
    }
  }

  private static String lost(Found found, Set<String> expected) {
    Set<String> lost = new HashSet<>(expected);
    lost.removeAll(found.copies().keySet());
    return found.copies().size()
        + " found, "
        + lost.size()
        + " lost, e.g. "
        + lost.stream().limit(5).toList();
  }

  private static void assertExactly(Found found, Set<String> expected) {
    Set<String> lost = new HashSet<>(expected);
    lost.removeAll(found.copies().keySet());
    assertEquals("lost: " + found.sink(), Set.of(), lost);
    assertEquals("written twice: " + found.sink(), 0, found.duplicates());
    assertEquals(
        "not in the ledger: " + found.sink(), expected.size(), found.copies().keySet().size());
  }

  /** Every run started, stopped at the end whatever happened (a failed test leaves none behind). */
  private final List<Process> runs = new ArrayList<>();

  @org.junit.After
  public void stopRuns() throws Exception {
    for (Process run : runs) {
      run.descendants().forEach(ProcessHandle::destroyForcibly);
      run.destroyForcibly();
      run.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Process start(Path work, Path log, LocalKafka kafka, Path output) throws Exception {
    Process run = startRun(work, log, kafka, output);
    runs.add(run);
    return run;
  }

  private Process startRun(Path work, Path log, LocalKafka kafka, Path output) throws Exception {
    return StreamyCli.start(
        work,
        log,
        "ingest",
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--inputTopic=" + TOPIC,
        "--consumerGroup=" + GROUP,
        "--output=" + output,
        "--sink=both",
        "--parallelism=1",
        "--windowSize=" + WINDOW.toSeconds() + "s",
        "--maxOutOfOrderness=2s",
        "--checkpointingInterval=2000",
        "--icebergCommitInterval=5s");
  }

  /**
   * Waits until a window of {@link #WINDOW} has just begun (within its first 5 seconds), then sends
   * a batch: its events all fall into that window, which stays open for a while yet.
   */
  private List<Ledger.Entry> sendAtWindowStart(LocalKafka kafka, Path work, long seed)
      throws Exception {
    long window = WINDOW.toMillis();
    awaitCondition(
        "the start of a window", () -> System.currentTimeMillis() % window < 5_000, null);
    return Generated.send(
        kafka, TOPIC, BATCH, 0.1, 0.02, seed, work.resolve("ledger-" + seed + ".ndjson"));
  }

  /**
   * Waits until the resumed run has completed a checkpoint of its own, and checks that it counts on
   * from the one it resumed from, as a restored Flink job does (a fresh one starts at 1).
   */
  private static void awaitRestored(Path output, Path log) throws Exception {
    java.util.regex.Matcher resumed =
        java.util.regex.Pattern.compile("resuming from (\\S+)/chk-(\\d+),")
            .matcher(Files.readString(log));
    assertTrue(resumed.find());
    Path restoredJob = Path.of(resumed.group(1));
    long restored = Long.parseLong(resumed.group(2));
    Path folder = output.resolve(".streamy-checkpoints").resolve(GROUP);
    awaitCondition(
        "a checkpoint of the resumed job",
        () ->
            EmbeddedCheckpoints.latest(folder)
                .filter(chk -> !chk.getParent().equals(restoredJob))
                .isPresent(),
        log);
    Path own = EmbeddedCheckpoints.latest(folder).orElseThrow();
    long id = Long.parseLong(own.getFileName().toString().substring("chk-".length()));
    assertTrue(
        "the resumed job restored chk-" + restored + " (its own is " + own + ")", id > restored);
  }

  private static boolean checkpointed(Path output) throws Exception {
    Path folder = output.resolve(".streamy-checkpoints").resolve(GROUP);
    return EmbeddedCheckpoints.latest(folder).isPresent();
  }

  /** Whether the group's committed offsets have reached the end of every partition. */
  private static boolean readEverything(LocalKafka kafka) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int partition = 0; partition < 2; partition++) {
        latest.put(new TopicPartition(TOPIC, partition), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      var committed =
          admin
              .listConsumerGroupOffsets(GROUP)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      for (TopicPartition partition : latest.keySet()) {
        var offset = committed.get(partition);
        if (offset == null || offset.offset() < ends.get(partition).offset()) {
          return false;
        }
      }
      return true;
    }
  }

  /** The job JVMs (the CLI's children) still running for {@code output}. */
  private static long jobJvms(Path output) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains("--output=" + output))
        .filter(p -> p.info().commandLine().orElse("").contains("[local]"))
        .count();
  }

  private static boolean logged(Path log, String text) throws Exception {
    return Files.exists(log) && Files.readString(log).contains(text);
  }

  private static Set<String> events(List<Ledger.Entry> sent) {
    Set<String> events = new HashSet<>();
    for (Ledger.Entry entry : sent) {
      if (entry.expected().equals("EVENT")) {
        events.add(entry.partition() + "/" + entry.offset());
      }
    }
    return events;
  }

  private static Set<String> deadLetters(List<Ledger.Entry> sent) {
    Set<String> deadLetters = new HashSet<>();
    for (Ledger.Entry entry : sent) {
      if (entry.expected().startsWith("DLQ:")) {
        deadLetters.add(entry.partition() + "/" + entry.offset());
      }
    }
    return deadLetters;
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitCondition(String what, Condition condition, Path log) throws Exception {
    Instant deadline = Instant.now().plus(STEP_TIMEOUT);
    while (!condition.holds()) {
      if (Instant.now().isAfter(deadline)) {
        String tail = log != null && Files.exists(log) ? Files.readString(log) : "";
        throw new AssertionError("timed out waiting for: " + what + "\n" + tail);
      }
      Thread.sleep(250); // polling interval
    }
  }
}
