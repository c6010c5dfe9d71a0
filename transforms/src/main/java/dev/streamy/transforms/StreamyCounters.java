package dev.streamy.transforms;

import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Every counter streamy keeps, in one namespace. The names are API: Flink shows them as metric
 * names, the launcher and templates print them and the README quotes them.
 */
public final class StreamyCounters {

  /** The metrics namespace of every streamy counter. */
  public static final String NAMESPACE = "streamy";

  /** Records read from the source (counted by the parse step). */
  public static final String RECORDS_READ = "records_read";

  /** Records parsed into a JSON object. */
  public static final String PARSED = "parsed";

  /** Events that passed the contract. */
  public static final String EVENTS_VALID = "events_valid";

  /** Valid events with fields their schema does not declare (schema drift). */
  public static final String EVENTS_WITH_UNKNOWN_FIELDS = "events_with_unknown_fields";

  /** Copies dropped by deduplication. */
  public static final String DUPLICATES_REMOVED = "duplicates_removed";

  /** Events kept by deduplication. */
  public static final String EVENTS_UNIQUE = "events_unique";

  /** Events put into their event-time window. */
  public static final String EVENTS_WINDOWED = "events_windowed";

  /** Dead letters handed to the dead-letter sinks. */
  public static final String DEAD_LETTERS_WRITTEN = "dead_letters_written";

  /** DLQ topic records cut to fit the producer's largest request (the files keep them whole). */
  public static final String DLQ_RECORDS_CUT = "dlq_records_cut";

  /** Dead letters sent to the DLQ topic. */
  public static final String DLQ_RECORDS_SENT = "dlq_records_sent";

  /** Dead letters a restored job left out of the DLQ topic: its sink had sent them before. */
  public static final String DLQ_RECORDS_ALREADY_SENT = "dlq_records_already_sent";

  /** Iceberg snapshots appended (one per commit of a table). */
  public static final String ICEBERG_COMMITS = "iceberg_commits";

  /** Iceberg data files appended. */
  public static final String ICEBERG_FILES_COMMITTED = "iceberg_files_committed";

  /** Iceberg data files of a replayed batch that the table already held, left out. */
  public static final String ICEBERG_FILES_ALREADY_COMMITTED = "iceberg_files_already_committed";

  /** Small Iceberg data files replaced by joined ones. */
  public static final String ICEBERG_SMALL_FILES_JOINED = "iceberg_small_files_joined";

  /** Iceberg data files a sink wrote, never committed, and deleted after the orphan age. */
  public static final String ICEBERG_ORPHAN_FILES_DELETED = "iceberg_orphan_files_deleted";

  /** Gauge name prefix, followed by the table: the time (epoch ms) of its last commit. */
  public static final String ICEBERG_LAST_COMMIT_PREFIX = "iceberg_last_commit_millis_";

  /** Every per-code dead-letter counter is this followed by the {@link ErrorCode} name. */
  public static final String DEAD_LETTERS_PREFIX = "dead_letters_";

  private StreamyCounters() {}

  /** The counter called {@code name} in streamy's namespace. */
  public static Counter counter(String name) {
    return Metrics.counter(NAMESPACE, name);
  }

  /** {@code dead_letters_PARSE_ERROR} and so on: dead letters made, by cause. */
  public static String deadLetters(ErrorCode code) {
    return DEAD_LETTERS_PREFIX + code.name();
  }

  /** One counter per error code, so dashboards can break dead letters down by cause. */
  public static Map<ErrorCode, Counter> deadLetterCounters() {
    Map<ErrorCode, Counter> counters = new EnumMap<>(ErrorCode.class);
    for (ErrorCode code : ErrorCode.values()) {
      counters.put(code, counter(deadLetters(code)));
    }
    return counters;
  }

  /**
   * The dead letters of a run by cause, from its counters by name (as {@code
   * IngestPipeline.counters} reads them); codes never counted are left out.
   */
  public static Map<ErrorCode, Long> deadLettersByCode(Map<String, Long> counters) {
    Map<ErrorCode, Long> byCode = new EnumMap<>(ErrorCode.class);
    for (ErrorCode code : ErrorCode.values()) {
      Long count = counters.get(deadLetters(code));
      if (count != null) {
        byCode.put(code, count);
      }
    }
    return byCode;
  }

  /** Every dead letter of a run: the per-code counters summed. */
  public static long deadLetters(Map<String, Long> counters) {
    return deadLettersByCode(counters).values().stream().mapToLong(Long::longValue).sum();
  }
}
