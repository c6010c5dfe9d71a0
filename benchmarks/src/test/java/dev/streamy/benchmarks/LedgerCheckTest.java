package dev.streamy.benchmarks;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.EventFactory;
import dev.streamy.generator.Ledger;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** A streaming run's counters against the ledger; the Parquet check runs in the smoke test. */
public class LedgerCheckTest {

  private final Expected expected =
      Expected.from(
          List.of(
              Ledger.Entry.of(0, 0, EventFactory.Kind.GOOD, "a"),
              Ledger.Entry.of(0, 1, EventFactory.Kind.DUPLICATE, "a"),
              Ledger.Entry.of(1, 0, EventFactory.Kind.MALFORMED, null),
              Ledger.Entry.of(1, 1, EventFactory.Kind.GOOD, "b")));

  @Test
  public void countersEqualToTheLedgerPass() {
    LedgerCheck.Result check =
        LedgerCheck.counters(
            Map.of(
                "records_read", 4L,
                "events_valid", 3L,
                "duplicates_removed", 1L,
                "dead_letters_PARSE_ERROR", 1L,
                "dead_letters_TS_LATE", 0L,
                "dead_letters_written", 1L),
            expected);
    assertTrue(check.summary(), check.passed());
  }

  @Test
  public void aLostRecordOrAnUnexpectedDeadLetterFails() {
    LedgerCheck.Result lost =
        LedgerCheck.counters(
            Map.of(
                "records_read", 4L,
                "events_valid", 2L,
                "duplicates_removed", 1L,
                "dead_letters_PARSE_ERROR", 1L),
            expected);
    assertFalse(lost.passed());
    assertTrue(lost.summary(), lost.summary().contains("events_valid = 2, the ledger says 3"));
    LedgerCheck.Result late =
        LedgerCheck.counters(
            Map.of(
                "records_read", 4L,
                "events_valid", 3L,
                "duplicates_removed", 1L,
                "dead_letters_PARSE_ERROR", 1L,
                "dead_letters_TS_LATE", 1L),
            expected);
    assertFalse(late.summary(), late.passed());
    assertTrue(
        late.summary(), late.summary().contains("dead letters differ: TS_LATE 1 (ledger 0)"));
  }
}
