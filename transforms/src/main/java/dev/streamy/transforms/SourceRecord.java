package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * One record as it came off the source (Kafka): value and key bytes untouched, headers, and its
 * coordinates. Every later stage keeps it so that a failure can be dead-lettered losslessly.
 *
 * <p>Accessors are {@code get}-prefixed because Beam's {@link AutoValueSchema} only sees getters;
 * the field numbers fix the schema's field order.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class SourceRecord implements Serializable {

  /**
   * A record as read. Beam also decodes records through this, so the headers are copied once here
   * rather than held as Beam's lazy view of the decoded rows.
   */
  @SchemaCreate
  public static SourceRecord create(
      String topic,
      int partition,
      long offset,
      Instant timestamp,
      @Nullable byte[] key,
      @Nullable byte[] value,
      List<Header> headers) {
    return new AutoValue_SourceRecord(
        topic, partition, offset, timestamp, key, value, List.copyOf(headers));
  }

  /** A record with no key and no headers, as tests and the generator build them. */
  public static SourceRecord of(String topic, int partition, long offset, byte[] value) {
    return create(topic, partition, offset, new Instant(0), null, value, List.of());
  }

  /**
   * The coder of source records, as every stage sets it: compact, see {@link SourceRecordCoder}.
   */
  public static Coder<SourceRecord> coder() {
    return SourceRecordCoder.of();
  }

  @SchemaFieldNumber("0")
  public abstract String getTopic();

  @SchemaFieldNumber("1")
  public abstract int getPartition();

  @SchemaFieldNumber("2")
  public abstract long getOffset();

  @SchemaFieldNumber("3")
  public abstract Instant getTimestamp();

  @SchemaFieldNumber("4")
  @SuppressWarnings("mutable") // bytes as read, never changed: copying them would cost every record
  public abstract @Nullable byte[] getKey();

  @SchemaFieldNumber("5")
  @SuppressWarnings("mutable")
  public abstract @Nullable byte[] getValue();

  @SchemaFieldNumber("6")
  public abstract List<Header> getHeaders();

  /**
   * The same record without its payload (key, value and headers): its coordinates and timestamp
   * only, for steps that can no longer dead-letter it and so need only its address.
   */
  public SourceRecord withoutPayload() {
    return create(getTopic(), getPartition(), getOffset(), getTimestamp(), null, null, List.of());
  }

  /** {@code topic/partition/offset}, the record's unique address, for messages and ledgers. */
  public String coordinates() {
    return getTopic() + "/" + getPartition() + "/" + getOffset();
  }

  /** The coordinates only: key, value and headers are payload and never logged. */
  @Override
  public String toString() {
    return "SourceRecord{" + coordinates() + "}";
  }

  /** One Kafka header; keys may repeat, so headers are a list, not a map. */
  @DefaultSchema(AutoValueSchema.class)
  @AutoValue
  public abstract static class Header implements Serializable {

    @SchemaCreate
    public static Header create(String key, @Nullable byte[] value) {
      return new AutoValue_SourceRecord_Header(key, value);
    }

    @SchemaFieldNumber("0")
    public abstract String getKey();

    @SchemaFieldNumber("1")
    @SuppressWarnings("mutable")
    public abstract @Nullable byte[] getValue();

    @Override
    public String toString() {
      return "Header{" + getKey() + "}";
    }
  }
}
