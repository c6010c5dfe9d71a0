package dev.streamy.transforms;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;
import org.joda.time.Instant;

/**
 * One record as it came off the source (Kafka): value and key bytes untouched, headers, and its
 * coordinates. Every later stage keeps it so that a failure can be dead-lettered losslessly.
 */
@DefaultSchema(JavaFieldSchema.class)
public final class SourceRecord implements Serializable {

  public final String topic;
  public final int partition;
  public final long offset;
  public final Instant timestamp;
  public final @Nullable byte[] key;
  public final @Nullable byte[] value;
  public final List<Header> headers;

  @SchemaCreate
  public SourceRecord(
      String topic,
      int partition,
      long offset,
      Instant timestamp,
      @Nullable byte[] key,
      @Nullable byte[] value,
      List<Header> headers) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
    this.headers = List.copyOf(headers);
  }

  /** A record with no key and no headers, as tests and the generator build them. */
  public static SourceRecord of(String topic, int partition, long offset, byte[] value) {
    return new SourceRecord(topic, partition, offset, new Instant(0), null, value, List.of());
  }

  /** {@code topic/partition/offset}, the record's unique address, for messages and ledgers. */
  public String coordinates() {
    return topic + "/" + partition + "/" + offset;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SourceRecord)) {
      return false;
    }
    SourceRecord that = (SourceRecord) o;
    return partition == that.partition
        && offset == that.offset
        && topic.equals(that.topic)
        && timestamp.equals(that.timestamp)
        && Arrays.equals(key, that.key)
        && Arrays.equals(value, that.value)
        && headers.equals(that.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset);
  }

  @Override
  public String toString() {
    return "SourceRecord{" + coordinates() + "}";
  }

  /** One Kafka header; keys may repeat, so headers are a list, not a map. */
  @DefaultSchema(JavaFieldSchema.class)
  public static final class Header implements Serializable {
    public final String key;
    public final @Nullable byte[] value;

    @SchemaCreate
    public Header(String key, @Nullable byte[] value) {
      this.key = key;
      this.value = value;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Header
          && key.equals(((Header) o).key)
          && Arrays.equals(value, ((Header) o).value);
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(value);
    }
  }
}
