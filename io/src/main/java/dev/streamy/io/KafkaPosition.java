package dev.streamy.io;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * Where a backfill starts or ends: an offset for each partition it names ({@code 0:100,1:250}), or
 * a time, compared with the Kafka record timestamps (not the event time in the payload): {@link
 * BackfillRanges} finds the first offset of each partition whose record timestamp is at or after
 * it. Remembers the option it was given as, so that every error names it.
 */
@AutoValue
public abstract class KafkaPosition implements Serializable {

  /**
   * Reads {@code P:O,P:O,...}: a partition number, a colon and an offset, per partition, each
   * partition once. Blanks around the parts are ignored.
   */
  public static KafkaPosition parseOffsets(String option, String text) {
    Map<Integer, Long> offsets = new TreeMap<>();
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          option + ": give partition:offset pairs, e.g. 0:100,1:250");
    }
    for (String part : text.split(",", -1)) {
      String pair = part.trim();
      int colon = pair.indexOf(':');
      int partition;
      long offset;
      try {
        if (colon < 0) {
          throw new NumberFormatException();
        }
        partition = Integer.parseInt(pair.substring(0, colon).trim());
        offset = Long.parseLong(pair.substring(colon + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            option + "=" + text + ": '" + pair + "' is not partition:offset (e.g. 0:100,1:250)");
      }
      if (partition < 0 || offset < 0) {
        throw new IllegalArgumentException(
            option + "=" + text + ": '" + pair + "': partitions and offsets are never negative");
      }
      if (offsets.put(partition, offset) != null) {
        throw new IllegalArgumentException(
            option + "=" + text + ": partition " + partition + " is named twice");
      }
    }
    return new AutoValue_KafkaPosition(option, Map.copyOf(offsets), null);
  }

  /**
   * Reads an ISO-8601 instant ({@code 2026-12-04T10:15:30Z}, an offset such as {@code +01:00}
   * allowed) or milliseconds since the epoch ({@code 1764843330000}).
   */
  public static KafkaPosition parseTime(String option, String text) {
    String trimmed = text == null ? "" : text.trim();
    long millis;
    try {
      millis =
          trimmed.matches("[0-9]{1,18}")
              ? Long.parseLong(trimmed)
              : java.time.OffsetDateTime.parse(trimmed).toInstant().toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException(
          option
              + "="
              + text
              + ": not a time; give an ISO-8601 instant (2026-12-04T10:15:30Z) or epoch"
              + " milliseconds");
    }
    return new AutoValue_KafkaPosition(option, null, millis);
  }

  /** The option this position was given as, e.g. {@code --startOffsets}. */
  public abstract String getOption();

  /** Per partition, its offset; null for a time. */
  public abstract @Nullable Map<Integer, Long> getOffsets();

  /** The time in epoch milliseconds; null for offsets. */
  public abstract @Nullable Long getTimeMillis();

  public boolean isTime() {
    return getTimeMillis() != null;
  }

  @Override
  public String toString() {
    Map<Integer, Long> offsets = getOffsets();
    if (offsets == null) {
      return getOption() + "=" + Instant.ofEpochMilli(getTimeMillis());
    }
    StringBuilder text = new StringBuilder(getOption()).append('=');
    new TreeMap<>(offsets).forEach((p, o) -> text.append(p).append(':').append(o).append(','));
    return text.substring(0, text.length() - 1);
  }
}
