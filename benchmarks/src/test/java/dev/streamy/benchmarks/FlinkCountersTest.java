package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.Test;

public class FlinkCountersTest {

  @Test
  public void sumsEachCounterOverTheStepsThatCountIt() throws Exception {
    Map<String, Long> counters = FlinkCounters.none();
    FlinkCounters.add(
        new ObjectMapper()
            .readTree(
                "[{\"id\":\"ParseEvents/Parse.streamy_records_read\",\"sum\":3000.0},"
                    + "{\"id\":\"ParseEvents/Parse.streamy_dead_letters_PARSE_ERROR\",\"sum\":7.0},"
                    + "{\"id\":\"ValidateEvents/Validate.streamy_dead_letters_PARSE_ERROR\",\"sum\":0},"
                    + "{\"id\":\"ParseEvents/Parse.numRecordsIn\",\"sum\":3000.0}]"),
        "streamy",
        counters);
    assertEquals(Map.of("records_read", 3000L, "dead_letters_PARSE_ERROR", 7L), counters);
  }

  @Test
  public void recognisesStreamyCountersAmongFlinkMetrics() {
    assertTrue(
        FlinkCounters.isCounter(
            "DeduplicateEvents/KeepFirstCopy/ParMultiDo(KeepFirst).streamy_duplicates_removed",
            "streamy"));
    assertFalse(FlinkCounters.isCounter("Source: ReadKafkaRecords.numRecordsOut", "streamy"));
  }
}
