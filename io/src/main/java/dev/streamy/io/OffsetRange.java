package dev.streamy.io;

import com.google.auto.value.AutoValue;
import java.io.Serializable;

/** Offsets {@code [start, end)} of one partition of a topic: the end is exclusive. */
@AutoValue
public abstract class OffsetRange implements Serializable {

  /** The offsets {@code start} (inclusive) to {@code end} (exclusive) of {@code partition}. */
  public static OffsetRange of(String topic, int partition, long start, long end) {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException(
          "an offset range needs 0 <= start <= end, got [" + start + ", " + end + ")");
    }
    return new AutoValue_OffsetRange(topic, partition, start, end);
  }

  public abstract String getTopic();

  public abstract int getPartition();

  public abstract long getStart();

  public abstract long getEnd();

  /** How many offsets the range spans. */
  public long size() {
    return getEnd() - getStart();
  }

  public boolean contains(long offset) {
    return offset >= getStart() && offset < getEnd();
  }

  /** {@code topic/partition:[start, end)}. */
  @Override
  public String toString() {
    return getTopic() + "/" + getPartition() + ":[" + getStart() + ", " + getEnd() + ")";
  }
}
