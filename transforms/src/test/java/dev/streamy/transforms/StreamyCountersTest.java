package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import org.junit.Test;

/** Counter names are API; dead letters are summed over their per-code counters only. */
public class StreamyCountersTest {

  @Test
  public void namesAreTheDocumentedOnes() {
    assertEquals("streamy", StreamyCounters.NAMESPACE);
    assertEquals("dead_letters_TS_LATE", StreamyCounters.deadLetters(ErrorCode.TS_LATE));
    assertEquals(ErrorCode.values().length, StreamyCounters.deadLetterCounters().size());
  }

  @Test
  public void deadLettersAreThePerCodeCountersSummedNotTheWrittenOnes() {
    Map<String, Long> counters =
        Map.of(
            "records_read", 10L,
            "dead_letters_PARSE_ERROR", 3L,
            "dead_letters_TS_LATE", 2L,
            "dead_letters_written", 5L,
            "dead_letters_SOMETHING_ELSE", 7L);
    assertEquals(5L, StreamyCounters.deadLetters(counters));
    assertEquals(
        Map.of(ErrorCode.PARSE_ERROR, 3L, ErrorCode.TS_LATE, 2L),
        StreamyCounters.deadLettersByCode(counters));
  }
}
