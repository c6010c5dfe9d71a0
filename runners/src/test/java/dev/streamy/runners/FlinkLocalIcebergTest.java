package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Ledger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.data.Record;
import org.joda.time.Duration;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The ingest pipeline on the FlinkRunner in this JVM ({@code --flinkMaster=[local]}), bounded by
 * {@code --maxRecords}, writing only to Iceberg: generated good, bad and duplicate records go in
 * through a real Kafka broker and the Iceberg tables are read back and compared with the ledger.
 */
public class FlinkLocalIcebergTest {

  private static final String TOPIC = "flink-recentchange";
  private static final int GENERATED = 1_500;

  /**
   * Not the default "streamy": IcebergIO 2.67 caches tables JVM-wide by identifier alone
   * (RecordWriterManager.TABLE_CACHE), so a table of the same name written earlier in this JVM by
   * another test, in another warehouse that is deleted by now, would be refreshed instead and fail
   * with "Metadata file for version 1 is missing".
   */
  private static final String NAMESPACE = "streamy_flink";

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path output;
  private static PipelineResult.State finalState;

  /** Ledger outcome per coordinate "partition/offset": EVENT, DEDUPED or DLQ:<code>. */
  private static final Map<String, String> expected = new HashMap<>();

  private static final Map<String, String> events = new HashMap<>(); // coordinates -> event id
  private static final Map<String, String> deadLetters = new HashMap<>(); // coordinates -> code
  private static final List<Record> aggregates = new ArrayList<>();

  @BeforeClass
  public static void runOnFlink() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 3, Map.of("max.message.bytes", Integer.toString(4 << 20)));
    kafka.createTopic(TOPIC + ".dlq", 1);
    output = TEMP.newFolder("out").toPath();

    Path ledger = output.resolveSibling("ledger.ndjson");
    for (Ledger.Entry entry : Generated.send(kafka, TOPIC, GENERATED, 0.1, 0.02, 11, ledger)) {
      expected.put(entry.partition() + "/" + entry.offset(), entry.expected());
    }
    assertEquals(GENERATED, expected.size());

    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=2",
                "--reIterableGroupByKeyResult=true",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--maxRecords=" + expected.size(),
                "--sink=iceberg",
                "--icebergNamespace=" + NAMESPACE)
            .withValidation()
            .as(IngestOptions.class);
    PipelineResult result = IngestPipeline.run(options);
    finalState = result.waitUntilFinish(Duration.standardMinutes(5));
    assertEquals(PipelineResult.State.DONE, finalState);

    for (Record row : IcebergTables.rows(output, NAMESPACE, IngestPipeline.EVENTS_TABLE)) {
      assertEquals(TOPIC, row.getField("_topic"));
      String at = row.getField("_partition") + "/" + row.getField("_offset");
      assertEquals(
          "event twice in Iceberg: " + at, null, events.put(at, (String) row.getField("meta_id")));
    }
    for (Record row : IcebergTables.rows(output, NAMESPACE, IngestPipeline.DEAD_LETTERS_TABLE)) {
      assertEquals(TOPIC, row.getField("topic"));
      String at = row.getField("partition") + "/" + row.getField("offset");
      assertEquals(
          "dead letter twice in Iceberg: " + at,
          null,
          deadLetters.put(at, (String) row.getField("errorCode")));
    }
    aggregates.addAll(IcebergTables.rows(output, NAMESPACE, IngestPipeline.AGGREGATES_TABLE));
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void eventsAreExactlyTheLedgersEvents() {
    Map<String, String> ledgerEvents = new HashMap<>();
    expected.forEach(
        (at, outcome) -> {
          if (outcome.equals("EVENT")) {
            ledgerEvents.put(at, outcome);
          }
        });
    assertTrue("the generator sent events", ledgerEvents.size() > 1_000);
    assertEquals(ledgerEvents.keySet(), events.keySet());
    assertEquals(
        "no event id twice", events.size(), new java.util.HashSet<>(events.values()).size());
  }

  @Test
  public void deadLettersAreExactlyTheLedgersWithTheirCodes() {
    Map<String, String> ledgerDeadLetters = new HashMap<>();
    expected.forEach(
        (at, outcome) -> {
          if (outcome.startsWith("DLQ:")) {
            ledgerDeadLetters.put(at, outcome.substring(4));
          }
        });
    assertTrue("the generator sent bad records", ledgerDeadLetters.size() > 50);
    assertEquals(ledgerDeadLetters, deadLetters);
  }

  @Test
  public void newestAggregatePanesAddUpToTheEvents() {
    assertTrue("aggregates were written", aggregates.size() > 0);
    Map<String, Record> newest = new HashMap<>();
    for (Record row : aggregates) {
      String key =
          row.getField("window_start") + "|" + row.getField("wiki") + "|" + row.getField("type");
      Record seen = newest.get(key);
      if (seen == null
          || ((Number) row.getField("pane_index")).longValue()
              > ((Number) seen.getField("pane_index")).longValue()) {
        newest.put(key, row);
      }
    }
    long total = 0;
    for (Record row : newest.values()) {
      total += ((Number) row.getField("event_count")).longValue();
    }
    assertEquals(events.size(), total);
  }
}
