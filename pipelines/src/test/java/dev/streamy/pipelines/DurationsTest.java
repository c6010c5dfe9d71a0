package dev.streamy.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.joda.time.Duration;
import org.junit.Test;

/** Durations given as options, in the short and the ISO-8601 form. */
public class DurationsTest {

  @Test
  public void readsTheShortForms() {
    assertEquals(Duration.millis(500), Durations.parse("opt", "500ms"));
    assertEquals(Duration.standardSeconds(30), Durations.parse("opt", "30s"));
    assertEquals(Duration.standardMinutes(5), Durations.parse("opt", "5m"));
    assertEquals(Duration.standardHours(2), Durations.parse("opt", "2h"));
    assertEquals(Duration.standardDays(7), Durations.parse("opt", "7d"));
  }

  @Test
  public void readsIso8601() {
    assertEquals(Duration.standardMinutes(1), Durations.parse("opt", "PT1M"));
    assertEquals(Duration.standardSeconds(90), Durations.parse("opt", "PT90S"));
  }

  @Test
  public void toleratesCaseAndSpaces() {
    assertEquals(Duration.standardMinutes(5), Durations.parse("opt", " 5M "));
    assertEquals(Duration.standardSeconds(30), Durations.parse("opt", "pt30s"));
  }

  @Test
  public void zeroIsADuration() {
    // dedupeWindow=0 turns deduplication off, so 0 must parse.
    assertEquals(Duration.ZERO, Durations.parse("dedupeWindow", "0s"));
  }

  @Test
  public void garbageFailsNamingTheOption() {
    for (String bad : new String[] {"soon", "", "5", "-5m", "5 minutes", "1.5h", "PT"}) {
      IllegalArgumentException e =
          assertThrows(
              bad, IllegalArgumentException.class, () -> Durations.parse("windowSize", bad));
      assertThat(e.getMessage(), containsString("--windowSize="));
    }
  }

  @Test
  public void nullFailsNamingTheOption() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Durations.parse("allowedLateness", null));
    assertThat(e.getMessage(), containsString("--allowedLateness"));
  }
}
