package dev.streamy.runners.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import dev.streamy.generator.Ledger;
import dev.streamy.runners.Generated;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.StreamyCli;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code ./streamy ingest} with no runner, as a user types it: Flink's embedded mini-cluster in a
 * child JVM reads a generated topic, and what it wrote, read back by DuckDB, matches the
 * generator's ledger record by record class: events, dead letters per code, duplicates.
 */
public class EmbeddedIngestIT {

  private static final String TOPIC = "recentchange";
  private static final int RECORDS = 3_000;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theLocalDefaultRunsOnFlinkAndMatchesTheLedger() throws Exception {
    Path work = temp.getRoot().toPath();
    Path output = work.resolve("out");
    List<Ledger.Entry> ledger;
    StreamyCli.Result ingest;
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 2);
      ledger = Generated.send(kafka, TOPIC, RECORDS, 0.1, 0.02, 7, work.resolve("ledger.ndjson"));
      ingest =
          StreamyCli.run(
              work,
              Map.of(),
              "ingest",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--inputTopic=" + TOPIC,
              "--output=" + output,
              "--maxRecords=" + RECORDS);
    }
    assertEquals(ingest.output(), 0, ingest.exitCode());
    assertThat(ingest.output(), containsString("FlinkRunner, embedded"));
    assertThat(
        ingest.output(),
        containsString(String.format(Locale.ROOT, "records read        %,d", RECORDS)));

    Map<String, Long> expected = new TreeMap<>();
    for (Ledger.Entry entry : ledger) {
      expected.merge(entry.expected(), 1L, Long::sum);
    }
    Map<String, Long> written = new TreeMap<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = duck.createStatement()) {
      written.put("EVENT", count(sql, "SELECT count(*) FROM '" + output + "/events/**/*.parquet'"));
      try (ResultSet codes =
          sql.executeQuery(
              "SELECT errorCode, count(*) FROM '"
                  + output
                  + "/dead-letters/**/*.parquet' GROUP BY errorCode")) {
        while (codes.next()) {
          written.put("DLQ:" + codes.getString(1), codes.getLong(2));
        }
      }
    }
    long deduped = expected.getOrDefault("DEDUPED", 0L);
    expected.remove("DEDUPED");
    assertEquals(expected, written);
    assertThat(
        ingest.output(),
        containsString(String.format(Locale.ROOT, "duplicates removed  %,d", deduped)));
  }

  private static long count(Statement sql, String query) throws Exception {
    try (ResultSet result = sql.executeQuery(query)) {
      result.next();
      return result.getLong(1);
    }
  }
}
