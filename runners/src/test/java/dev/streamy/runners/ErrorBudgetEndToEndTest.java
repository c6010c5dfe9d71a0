package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code ./streamy ingest --runner=direct} against a real broker holding a good stretch and then a
 * flood of half bad records: with a tight error budget the run stops with exit code 3 and one line
 * naming the codes; run again with the budget raised, it finishes, and every sink holds the ledger
 * exactly (each record once, nothing lost, nothing twice). A bounded run commits no offset, so the
 * second run reads the same range; the first one's sinks had published nothing.
 */
public class ErrorBudgetEndToEndTest {

  private static final String TOPIC = "recentchange";
  private static final int GOOD = 2_000;
  private static final int FLOOD = 2_000;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  @Test
  public void aFloodBlowsTheBudgetAndARerunWithItRaisedFinishesExactly() throws Exception {
    Path work = TEMP.getRoot().toPath();
    Path output = work.resolve("out");
    try (LocalKafka kafka = LocalKafka.start()) {
      // Room for the generator's oversized records, which must reach the pipeline as TOO_LARGE.
      kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
      kafka.createTopic(TOPIC + ".dlq", 1);
      List<Ledger.Entry> sent = FloodSinks.sendFlood(kafka, TOPIC, GOOD, FLOOD, work);

      StreamyCli.Result blown = ingest(work, kafka, output, "--maxDeadLetterRatio=0.1");
      System.out.println("the blown run printed:\n" + blown.output());
      assertEquals(blown.output(), 3, blown.exitCode());
      Map<String, Long> codes = FloodSinks.checkBudgetLine(blown.lines(), sent, 10);
      assertTrue(codes.toString(), codes.size() > 3); // the flood cycles through the bad kinds
      assertTrue(IngestRun.parquetFiles(output.resolve("events")).isEmpty());

      StreamyCli.Result rerun = ingest(work, kafka, output, "--maxDeadLetterRatio=0.75");
      assertEquals(rerun.output(), 0, rerun.exitCode());
      assertThat(
          rerun.output(), containsString(String.format("records read        %,d", GOOD + FLOOD)));
      FloodSinks.checkSinksHoldTheLedgerOnce(
          sent, output, kafka.bootstrapServers(), TOPIC + ".dlq");
    }
  }

  private static StreamyCli.Result ingest(Path work, LocalKafka kafka, Path output, String budget)
      throws Exception {
    return StreamyCli.run(
        work,
        "ingest",
        "--runner=direct",
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--inputTopic=" + TOPIC,
        "--output=" + output,
        "--maxRecords=" + (GOOD + FLOOD),
        budget,
        "--errorBudgetWindow=5m",
        "--errorBudgetMinRecords=300");
  }
}
