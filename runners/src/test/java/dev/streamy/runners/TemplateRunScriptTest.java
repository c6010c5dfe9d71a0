package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code ./streamy template run} as a user types it, against a real Kafka broker: a valid parameter
 * set runs the kafka-to-lakehouse template end to end on the DirectRunner and writes exactly the
 * ledger's events and dead letters; a bad one is refused before anything starts.
 */
public class TemplateRunScriptTest {

  private static final String TOPIC = "recentchange";
  private static final int COUNT = 600;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static final Map<String, String> expected = new HashMap<>(); // "p/o" -> outcome

  @BeforeClass
  public static void produceEvents() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 2);
    Path ledger = TEMP.getRoot().toPath().resolve("ledger.ndjson");
    for (Ledger.Entry entry : Generated.send(kafka, TOPIC, COUNT, 0.1, 0.02, 5, ledger)) {
      expected.put(entry.partition() + "/" + entry.offset(), entry.expected());
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void theTemplateRunsEndToEndAndWritesExactlyTheLedgersRecords() throws Exception {
    Path output = TEMP.getRoot().toPath().resolve("out");
    StreamyCli.Result run =
        runTemplate(
            "bootstrapServers=" + kafka.bootstrapServers(),
            "inputTopic=" + TOPIC,
            "output=" + output,
            "maxRecords=" + COUNT,
            "deadLetterTopic=none");
    assertEquals("exit code; output:\n" + run.output(), 0, run.exitCode());

    Map<String, String> found = new HashMap<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT _partition, _offset FROM read_parquet('"
                  + output
                  + "/events/**/*.parquet')")) {
        while (rows.next()) {
          assertEquals(null, found.put(rows.getInt(1) + "/" + rows.getLong(2), "EVENT"));
        }
      }
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT partition, \"offset\", errorCode FROM read_parquet('"
                  + output
                  + "/dead-letters/**/*.parquet')")) {
        while (rows.next()) {
          assertEquals(
              null, found.put(rows.getInt(1) + "/" + rows.getLong(2), "DLQ:" + rows.getString(3)));
        }
      }
    }
    Map<String, String> notDeduped = new HashMap<>(expected);
    notDeduped.values().removeIf("DEDUPED"::equals);
    assertTrue("the generator sent dead letters", notDeduped.containsValue("DLQ:PARSE_ERROR"));
    assertEquals(notDeduped, found);
  }

  @Test
  public void badParametersAreRefusedBeforeAnythingStarts() throws Exception {
    Path output = TEMP.getRoot().toPath().resolve("refused");
    StreamyCli.Result run =
        runTemplate(
            "bootstrapServers=" + kafka.bootstrapServers(),
            "output=" + output,
            "maxRecords=ten",
            "windowSise=1m");
    assertEquals("exit code; output:\n" + run.output(), 2, run.exitCode());
    assertThat(run.output(), containsString("inputTopic"));
    assertThat(run.output(), containsString("maxRecords"));
    assertThat(run.output(), containsString("windowSise"));
    assertThat(run.output(), containsString("windowSize"));
    assertFalse("nothing was started, so nothing was written", Files.exists(output));
  }

  /** {@code ./streamy template run kafka-to-lakehouse --param p ...} for each {@code p}. */
  private static StreamyCli.Result runTemplate(String... params) throws Exception {
    List<String> args = new ArrayList<>(List.of("template", "run", "kafka-to-lakehouse"));
    for (String param : params) {
      args.add("--param");
      args.add(param);
    }
    return StreamyCli.run(TEMP.getRoot().toPath(), args.toArray(new String[0]));
  }
}
