package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.util.SerializableUtils;
import org.joda.time.Duration;
import org.junit.Test;

/** The error budget's sliding window and its one-line message. */
public class ErrorBudgetWindowTest {

  private static final Duration FIVE_MINUTES = Duration.standardMinutes(5);
  private static final long BUCKET = FIVE_MINUTES.getMillis() / ErrorBudgetWindow.BUCKETS;

  private static ErrorBudgetWindow window(double ratio, long minRecords) {
    return ErrorBudget.of(ratio, FIVE_MINUTES, minRecords).newWindow();
  }

  @Test
  public void tripsOnTheFirstDeadLetterThatPassesTheShareOnceTheMinimumIsSeen() {
    ErrorBudgetWindow window = window(0.05, 100);
    for (int i = 0; i < 95; i++) {
      window.event(0);
    }
    for (int i = 0; i < 5; i++) {
      window.deadLetter(ErrorCode.PARSE_ERROR, 0); // 5 of 100: at the budget, not past it
    }
    assertEquals(100, window.records());
    ErrorBudgetExceededException blown =
        assertThrows(
            ErrorBudgetExceededException.class,
            () -> window.deadLetter(ErrorCode.FIELD_INVALID, 1));
    assertEquals(
        "error budget exceeded: 5.9% dead letters over the last 5m (6 of 101 records; budget 5%):"
            + " PARSE_ERROR 5, FIELD_INVALID 1",
        blown.getMessage());
  }

  @Test
  public void aBadStartDoesNotTripBeforeTheMinimum() {
    ErrorBudgetWindow window = window(0.05, 1_000);
    for (int i = 0; i < 999; i++) {
      window.deadLetter(ErrorCode.EMPTY_PAYLOAD, i);
    }
    assertEquals(999, window.deadLetters());
    assertThrows(
        ErrorBudgetExceededException.class, () -> window.deadLetter(ErrorCode.EMPTY_PAYLOAD, 999));
  }

  @Test
  public void oldBucketsLeaveTheWindow() {
    ErrorBudgetWindow window = window(0.5, 10);
    for (int i = 0; i < 8; i++) {
      window.deadLetter(ErrorCode.PARSE_ERROR, 0); // under the minimum
    }
    window.event(9 * BUCKET); // the window still reaches back to bucket 0
    assertEquals(9, window.records());
    window.event(10 * BUCKET); // bucket 0 has left
    assertEquals(2, window.records());
    assertEquals(0, window.deadLetters());
    assertEquals(Map.of(), window.deadLettersByCode());
    for (int i = 0; i < 8; i++) {
      window.event(10 * BUCKET + 1);
    }
    // 11 records, 1 dead letter: within 50%.
    window.deadLetter(ErrorCode.TS_FUTURE, 11 * BUCKET);
    assertEquals(Map.of(ErrorCode.TS_FUTURE, 1L), window.deadLettersByCode());
    // A long pause empties the whole window at once.
    window.event(1_000 * BUCKET);
    assertEquals(1, window.records());
    assertEquals(0, window.deadLetters());
  }

  @Test
  public void aClockThatStepsBackCountsIntoTheNewestBucket() {
    ErrorBudgetWindow window = window(0.5, 1_000);
    window.event(5 * BUCKET);
    window.event(2 * BUCKET);
    window.deadLetter(ErrorCode.PARSE_ERROR, 0);
    assertEquals(3, window.records());
    window.event(15 * BUCKET - 1); // all three were in bucket 5, which leaves at 15
    assertEquals(3 + 1, window.records());
    window.event(15 * BUCKET);
    assertEquals(2, window.records());
  }

  @Test
  public void codesAreOrderedByCountThenByTheirOrder() {
    ErrorBudgetWindow window = window(0.0, 6);
    window.deadLetter(ErrorCode.TS_INVALID, 0);
    window.deadLetter(ErrorCode.PARSE_ERROR, 0);
    window.deadLetter(ErrorCode.TS_INVALID, 0);
    window.deadLetter(ErrorCode.EMPTY_PAYLOAD, 0);
    window.deadLetter(ErrorCode.TS_INVALID, 0);
    ErrorBudgetExceededException blown =
        assertThrows(
            ErrorBudgetExceededException.class,
            () -> window.deadLetter(ErrorCode.FIELD_MISSING, 0));
    assertTrue(
        blown.getMessage(),
        blown
            .getMessage()
            .endsWith(
                "(6 of 6 records; budget 0%): TS_INVALID 3, EMPTY_PAYLOAD 1, PARSE_ERROR 1,"
                    + " FIELD_MISSING 1"));
  }

  @Test
  public void thousandsAreGroupedAndTheWindowWrittenAsTheOptionsWriteIt() {
    ErrorBudget budget = ErrorBudget.of(0.05, Duration.standardSeconds(90), 1);
    String message =
        ErrorBudgetExceededException.message(
            budget,
            2_000,
            1_042,
            Map.of(ErrorCode.FIELD_INVALID, 610L, ErrorCode.PARSE_ERROR, 432L));
    assertEquals(
        "error budget exceeded: 52.1% dead letters over the last 90s (1,042 of 2,000 records;"
            + " budget 5%): FIELD_INVALID 610, PARSE_ERROR 432",
        message);
  }

  @Test
  public void aShareJustPastTheBudgetReadsAsPastIt() {
    assertEquals("10.04%", ErrorBudgetExceededException.percentAbove(184.0 / 1_832, 0.1));
    assertEquals("10.1%", ErrorBudgetExceededException.percentAbove(0.101, 0.1));
    assertEquals("52.1%", ErrorBudgetExceededException.percentAbove(0.521, 0.05));
    assertEquals("100%", ErrorBudgetExceededException.percentAbove(1, 0));
  }

  @Test
  public void theWrapperTheBudgetIsGivenIsWhatIsThrownAndTheMessageIsFoundInside() {
    ErrorBudget budget =
        ErrorBudget.of(0.0, FIVE_MINUTES, 1)
            .thrownAs(blown -> new IllegalStateException("runner says", blown));
    ErrorBudget copy = SerializableUtils.clone(budget); // travels with the DoFn
    ErrorBudgetWindow window = copy.newWindow();
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class, () -> window.deadLetter(ErrorCode.PARSE_ERROR, 0));
    Optional<String> message =
        ErrorBudgetExceededException.messageIn(new RuntimeException("outer", thrown));
    assertEquals(
        Optional.of(
            "error budget exceeded: 100% dead letters over the last 5m (1 of 1 records; budget"
                + " 0%): PARSE_ERROR 1"),
        message);
    // A runner that ships the exception as text ("Class: message") still names the codes.
    assertEquals(
        message,
        ErrorBudgetExceededException.messageIn(
            new RuntimeException(
                ErrorBudgetExceededException.class.getName() + ": " + message.get())));
    assertEquals(
        Optional.empty(), ErrorBudgetExceededException.messageIn(new RuntimeException("other")));
  }

  @Test
  public void offIsARatioOfOneAndBadValuesAreRefused() {
    assertFalse(ErrorBudget.OFF.isOn());
    assertTrue(ErrorBudget.of(0.99, FIVE_MINUTES, 1).isOn());
    assertEquals("off", ErrorBudget.OFF.toString());
    assertEquals(
        "at most 5% dead letters over 5m (from 1000 records)",
        ErrorBudget.of(0.05, FIVE_MINUTES, 1_000).toString());
    assertThrows(IllegalArgumentException.class, () -> ErrorBudget.of(1.5, FIVE_MINUTES, 1));
    assertThrows(IllegalArgumentException.class, () -> ErrorBudget.of(-0.1, FIVE_MINUTES, 1));
    assertThrows(IllegalArgumentException.class, () -> ErrorBudget.of(Double.NaN, FIVE_MINUTES, 1));
    assertThrows(IllegalArgumentException.class, () -> ErrorBudget.of(0.1, Duration.millis(5), 1));
    assertThrows(IllegalArgumentException.class, () -> ErrorBudget.of(0.1, FIVE_MINUTES, 0));
  }
}
