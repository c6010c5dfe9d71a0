package dev.streamy.runners.flink;

import static dev.streamy.runners.flink.SinkContents.parquetEvents;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.runners.FloodSinks;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.StreamyCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.After;
import org.junit.Test;

/**
 * The error budget on the local default, a stream on Flink's embedded mini-cluster: a good stretch
 * is read and published, then a flood of half bad records blows the budget; the job ends at once
 * (no restart from the last checkpoint, which would replay the flood without end), the CLI prints
 * the one line naming the codes and exits with 3. Run again without the budget, the job resumes
 * from the first run's last checkpoint, and every sink holds the ledger exactly once.
 */
public class EmbeddedErrorBudgetIT {

  private static final String TOPIC = "recentchange";
  private static final String GROUP = "budget-test";
  private static final int GOOD = 1_500;
  private static final int FLOOD = 1_500;
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

  private final List<Process> runs = new ArrayList<>();

  @Test
  public void aFloodEndsTheJobWithoutRestartsAndTheNextRunResumesExactly() throws Exception {
    Path work =
        Files.createTempDirectory(Files.createDirectories(Path.of("target")), "budget-")
            .toAbsolutePath();
    Path output = work.resolve("out");
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
      kafka.createTopic(TOPIC + ".dlq", 1);
      List<Ledger.Entry> good =
          dev.streamy.runners.Generated.send(
              kafka, TOPIC, GOOD, 0, 0.02, 31, work.resolve("good.ndjson"));

      Path log1 = work.resolve("run-1.log");
      Process run1 = start(work, log1, kafka, output, "--maxDeadLetterRatio=0.1");
      Set<String> goodEvents =
          good.stream()
              .filter(e -> e.expected().equals("EVENT"))
              .map(e -> e.partition() + "/" + e.offset())
              .collect(Collectors.toSet());
      // The good stretch's windows close and are published: the failed run leaves output behind.
      awaitCondition(
          "run 1 published the good stretch",
          () -> parquetEvents(output).copies().keySet().containsAll(goodEvents),
          log1);
      List<Ledger.Entry> sent = new ArrayList<>(good);
      sent.addAll(
          dev.streamy.runners.Generated.send(
              kafka, TOPIC, FLOOD, 0.5, 0, 32, work.resolve("flood.ndjson")));

      assertTrue(
          "run 1 ended by itself (no restart loop):\n" + read(log1),
          run1.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      String out1 = read(log1);
      System.out.println("run 1 printed:\n" + out1);
      assertEquals(out1, 3, run1.exitValue());
      FloodSinks.checkBudgetLine(out1.lines().collect(Collectors.toList()), sent, 10);
      assertThat(out1, containsString("streamy: stopped. Nothing read is lost"));

      Path log2 = work.resolve("run-2.log");
      Process run2 = start(work, log2, kafka, output);
      awaitCondition("run 2 resumed", () -> read(log2).contains("resuming from"), log2);
      Instant deadline = Instant.now().plus(STEP_TIMEOUT);
      while (true) {
        try {
          FloodSinks.checkSinksHoldTheLedgerOnce(
              sent, output, kafka.bootstrapServers(), TOPIC + ".dlq");
          break;
        } catch (AssertionError notYet) {
          if (Instant.now().isAfter(deadline)) {
            throw new AssertionError(notYet.getMessage() + "\n" + read(log2), notYet);
          }
          Thread.sleep(1_000); // polling interval
        }
      }
      run2.destroy(); // SIGTERM, as a user stops a stream
      assertTrue("run 2 ended after SIGTERM", run2.waitFor(2, TimeUnit.MINUTES));
      // Again, after the stop: nothing was written twice on the way out.
      FloodSinks.checkSinksHoldTheLedgerOnce(
          sent, output, kafka.bootstrapServers(), TOPIC + ".dlq");
    }
  }

  @After
  public void stopRuns() throws Exception {
    for (Process run : runs) {
      run.descendants().forEach(ProcessHandle::destroyForcibly);
      run.destroyForcibly();
      run.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Process start(Path work, Path log, LocalKafka kafka, Path output, String... budget)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "ingest",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--consumerGroup=" + GROUP,
                "--output=" + output,
                "--parallelism=1",
                "--windowSize=10s",
                "--maxOutOfOrderness=2s",
                "--checkpointingInterval=2000",
                "--errorBudgetMinRecords=300"));
    args.addAll(List.of(budget));
    Process run = StreamyCli.start(work, log, args.toArray(new String[0]));
    runs.add(run);
    return run;
  }

  private static String read(Path log) throws Exception {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitCondition(String what, Condition condition, Path log) throws Exception {
    Instant deadline = Instant.now().plus(STEP_TIMEOUT);
    while (!condition.holds()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for: " + what + "\n" + read(log));
      }
      Thread.sleep(250); // polling interval
    }
  }
}
