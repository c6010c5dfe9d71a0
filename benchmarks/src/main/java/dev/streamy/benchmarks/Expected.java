package dev.streamy.benchmarks;

import dev.streamy.generator.Ledger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run over the generator's records must produce, from the generator's ledger: where each
 * record must end ({@code EVENT}, {@code DEDUPED} or {@code DLQ:<code>}, by partition and offset)
 * and the totals.
 */
final class Expected {

  private final Map<Long, String> outcomes;
  private final long events;
  private final long deduped;
  private final Map<String, Long> deadLetters;

  private Expected(
      Map<Long, String> outcomes, long events, long deduped, Map<String, Long> deadLetters) {
    this.outcomes = outcomes;
    this.events = events;
    this.deduped = deduped;
    this.deadLetters = deadLetters;
  }

  /** The expectations of {@code entries}, a whole ledger. */
  static Expected from(List<Ledger.Entry> entries) {
    Map<Long, String> outcomes = new HashMap<>(entries.size() * 2);
    long events = 0;
    long deduped = 0;
    Map<String, Long> deadLetters = new TreeMap<>();
    for (Ledger.Entry entry : entries) {
      String expected = entry.expected();
      if (outcomes.put(key(entry.partition(), entry.offset()), expected) != null) {
        throw new IllegalArgumentException(
            "the ledger names " + entry.partition() + "/" + entry.offset() + " twice");
      }
      if (expected.equals("EVENT")) {
        events++;
      } else if (expected.equals("DEDUPED")) {
        deduped++;
      } else if (expected.startsWith("DLQ:")) {
        deadLetters.merge(expected.substring(4), 1L, Long::sum);
      } else {
        throw new IllegalArgumentException("unknown expectation in the ledger: " + expected);
      }
    }
    return new Expected(outcomes, events, deduped, deadLetters);
  }

  /** One number for a record's coordinates; partitions below 2^23, offsets below 2^40. */
  static long key(int partition, long offset) {
    return ((long) partition << 40) | offset;
  }

  /** What the record at {@code partition}/{@code offset} must become; null if not in the ledger. */
  String outcome(int partition, long offset) {
    return outcomes.get(key(partition, offset));
  }

  long records() {
    return outcomes.size();
  }

  /** Valid, unique events. */
  long events() {
    return events;
  }

  /** Later copies of an event that deduplication drops. */
  long deduped() {
    return deduped;
  }

  /** Valid events before deduplication. */
  long valid() {
    return events + deduped;
  }

  /** Dead letters by error code. */
  Map<String, Long> deadLetters() {
    return deadLetters;
  }
}
