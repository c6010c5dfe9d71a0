package dev.streamy.runners;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

/** The embedded job's standard error: as it comes, but for a blown budget's stack traces. */
public class BudgetNoiseFilterTest {

  private static final String TASK_FAILED =
      "[Source: ReadKafkaRecords (1/1)#0] WARN org.apache.flink.runtime.taskmanager.Task - Source:"
          + " ReadKafkaRecords (1/1)#0 switched from RUNNING to FAILED with failure cause:";

  private static List<String> filtered(String... lines) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Thread pump =
        BudgetNoiseFilter.pump(
            new ByteArrayInputStream(
                (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)),
            out);
    pump.join(10_000);
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  public void otherFailuresAndTheirStackTracesPassAsTheyCome() throws Exception {
    List<String> log =
        List.of(
            "[main] WARN org.apache.beam.runners.flink.FlinkRunner - For maximum performance ...",
            TASK_FAILED,
            "org.apache.kafka.common.errors.TimeoutException: broker down",
            "\tat org.apache.kafka.clients.Foo.bar(Foo.java:1)",
            "[main] INFO org.apache.flink.runtime.Something - restarting",
            "streamy: stopped.");
    assertEquals(log, filtered(log.toArray(new String[0])));
  }

  @Test
  public void fromTheRecordThatNamesTheBudgetOnOnlyStreamysLinesPass() throws Exception {
    assertEquals(
        List.of(
            "[main] WARN org.apache.beam.runners.flink.FlinkRunner - For maximum performance ...",
            "streamy: error budget exceeded: 52.1% dead letters ...",
            "streamy: stopped. Nothing read is lost"),
        filtered(
            "[main] WARN org.apache.beam.runners.flink.FlinkRunner - For maximum performance ...",
            TASK_FAILED,
            "org.apache.beam.sdk.util.UserCodeException: ...",
            "\tat org.apache.beam.sdk.util.UserCodeException.wrap(UserCodeException.java:39)",
            "Caused by: dev.streamy.transforms.ErrorBudgetExceededException: error budget ...",
            "\t... 42 more",
            "[pekko] WARN org.apache.flink.runtime.checkpoint.CheckpointFailureManager - Failed",
            "org.apache.flink.runtime.checkpoint.CheckpointException: Coordinator is suspending.",
            "\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.stop(C.java:2056)",
            "[main] ERROR org.apache.beam.runners.flink.FlinkRunner - Pipeline execution failed",
            "streamy: error budget exceeded: 52.1% dead letters ...",
            "streamy: stopped. Nothing read is lost"));
  }

  @Test
  public void aHeldRecordIsReleasedWhenNoLineFollowsForAWhile() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BudgetNoiseFilter filter =
        new BudgetNoiseFilter(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    filter.line(TASK_FAILED);
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    filter.idle();
    assertEquals(TASK_FAILED + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
  }
}
