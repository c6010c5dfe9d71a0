package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * A record that could not be ingested, from any stage, with everything needed to understand and
 * replay it: the original bytes, key, headers and Kafka coordinates, a stable code and field-level
 * violations. Messages and stacks are written by streamy and never quote the payload.
 *
 * <p>Its Beam schema ({@link #SCHEMA}, the fields in the order of their numbers) is the layout of
 * the dead-letter Parquet files and Iceberg table. Accessors are {@code get}-prefixed because
 * Beam's {@link AutoValueSchema} only sees getters.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class DeadLetter implements Serializable {

  /** Longest message kept, in characters. */
  public static final int MAX_MESSAGE_CHARS = 1_000;

  /**
   * Bytes of an oversized ({@code TOO_LARGE}) value that are kept, with the size and SHA-256 of the
   * whole. Small enough that the dead letter fits Kafka's default 1 MB record limit.
   */
  public static final int MAX_KEPT_OVERSIZED_BYTES = 64 * 1024;

  /** Longest stack kept, in characters. */
  public static final int MAX_STACK_CHARS = 4_000;

  /** The Beam schema of a dead letter, as its Parquet files and Iceberg table hold it. */
  public static final Schema SCHEMA = coder().getSchema();

  /** Starts a dead letter for {@code record}; the value is kept whole. */
  public static Builder of(SourceRecord record, Stage stage, ErrorCode code) {
    byte[] value = record.getValue();
    return new AutoValue_DeadLetter.Builder()
        .setStage(stage.name())
        .setErrorCode(code.name())
        .setMessage("")
        .setViolations(List.of())
        .setTopic(record.getTopic())
        .setPartition(record.getPartition())
        .setOffset(record.getOffset())
        .setTimestamp(record.getTimestamp())
        .setKey(record.getKey())
        .setValue(value)
        .setHeaders(record.getHeaders())
        .setValueSize(value == null ? 0 : value.length)
        .setValueSha256(value == null ? null : sha256(value))
        .setValueTruncated(false)
        .setProcessingTime(Instant.now());
  }

  /**
   * A dead letter from all its fields. Beam decodes dead letters through this, so that their lists
   * are copied once instead of staying Beam's lazy views of the decoded rows.
   */
  @SchemaCreate
  public static DeadLetter create(
      String stage,
      String errorCode,
      String message,
      List<Violation> violations,
      @Nullable String stack,
      @Nullable String eventId,
      String topic,
      int partition,
      long offset,
      Instant timestamp,
      @Nullable byte[] key,
      @Nullable byte[] value,
      List<SourceRecord.Header> headers,
      long valueSize,
      @Nullable String valueSha256,
      boolean valueTruncated,
      @Nullable String pipeline,
      @Nullable String pipelineVersion,
      Instant processingTime) {
    return new AutoValue_DeadLetter.Builder()
        .setStage(stage)
        .setErrorCode(errorCode)
        .setMessage(message)
        .setViolations(violations)
        .setStack(stack)
        .setEventId(eventId)
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setTimestamp(timestamp)
        .setKey(key)
        .setValue(value)
        .setHeaders(headers)
        .setValueSize(valueSize)
        .setValueSha256(valueSha256)
        .setValueTruncated(valueTruncated)
        .setPipeline(pipeline)
        .setPipelineVersion(pipelineVersion)
        .setProcessingTime(processingTime)
        .build();
  }

  /** The coder of dead letters: Beam's schema coder of {@link #SCHEMA}. */
  public static SchemaCoder<DeadLetter> coder() {
    return SchemaCoders.of(DeadLetter.class);
  }

  @SchemaFieldNumber("0")
  public abstract String getStage();

  @SchemaFieldNumber("1")
  public abstract String getErrorCode();

  /** A reason written by streamy; it never quotes the payload. */
  @SchemaFieldNumber("2")
  public abstract String getMessage();

  @SchemaFieldNumber("3")
  public abstract List<Violation> getViolations();

  /** Class names and frames of the error, never its messages (they may echo data). */
  @SchemaFieldNumber("4")
  public abstract @Nullable String getStack();

  @SchemaFieldNumber("5")
  public abstract @Nullable String getEventId();

  @SchemaFieldNumber("6")
  public abstract String getTopic();

  @SchemaFieldNumber("7")
  public abstract int getPartition();

  @SchemaFieldNumber("8")
  public abstract long getOffset();

  @SchemaFieldNumber("9")
  public abstract Instant getTimestamp();

  @SchemaFieldNumber("10")
  @SuppressWarnings("mutable") // bytes as read, never changed
  public abstract @Nullable byte[] getKey();

  /** The original value; cut to a cap only for {@code TOO_LARGE} (then valueTruncated is set). */
  @SchemaFieldNumber("11")
  @SuppressWarnings("mutable") // bytes as read, never changed
  public abstract @Nullable byte[] getValue();

  @SchemaFieldNumber("12")
  public abstract List<SourceRecord.Header> getHeaders();

  @SchemaFieldNumber("13")
  public abstract long getValueSize();

  @SchemaFieldNumber("14")
  public abstract @Nullable String getValueSha256();

  @SchemaFieldNumber("15")
  public abstract boolean isValueTruncated();

  /** Set by the dead-letter sink, once, for every record: which pipeline wrote it. */
  @SchemaFieldNumber("16")
  public abstract @Nullable String getPipeline();

  @SchemaFieldNumber("17")
  public abstract @Nullable String getPipelineVersion();

  @SchemaFieldNumber("18")
  public abstract Instant getProcessingTime();

  abstract Builder toBuilder();

  public ErrorCode code() {
    return ErrorCode.valueOf(getErrorCode());
  }

  /** The record this dead letter came from, bytes and coordinates as they were read. */
  public SourceRecord source() {
    return SourceRecord.create(
        getTopic(),
        getPartition(),
        getOffset(),
        getTimestamp(),
        getKey(),
        getValue(),
        getHeaders());
  }

  /** The same dead letter stamped with the pipeline that wrote it. */
  public DeadLetter withPipeline(String name, String version) {
    return toBuilder().setPipeline(name).setPipelineVersion(version).build();
  }

  /** Coordinates, stage, code, message and violations: never the payload. */
  @Override
  public String toString() {
    return "DeadLetter{"
        + getTopic()
        + "/"
        + getPartition()
        + "/"
        + getOffset()
        + " "
        + getStage()
        + " "
        + getErrorCode()
        + ": "
        + getMessage()
        + " "
        + getViolations()
        + "}";
  }

  /** One field-level contract violation: a JSON path, a stable code, and a short reason. */
  @DefaultSchema(AutoValueSchema.class)
  @AutoValue
  public abstract static class Violation implements Serializable {

    @SchemaCreate
    public static Violation create(String path, String code, String reason) {
      return new AutoValue_DeadLetter_Violation(path, code, reason);
    }

    @SchemaFieldNumber("0")
    public abstract String getPath();

    @SchemaFieldNumber("1")
    public abstract String getCode();

    @SchemaFieldNumber("2")
    public abstract String getReason();

    @Override
    public String toString() {
      return getPath() + " " + getCode() + " (" + getReason() + ")";
    }
  }

  /**
   * Builds a {@link DeadLetter} from {@link #of}: a message, violations, an event id, an error and
   * a processing time may be added; the rest comes from the source record.
   */
  @AutoValue.Builder
  public abstract static class Builder {

    abstract Builder setStage(String stage);

    abstract Builder setErrorCode(String errorCode);

    public abstract Builder setMessage(String message);

    public abstract Builder setViolations(List<Violation> violations);

    abstract Builder setStack(@Nullable String stack);

    public abstract Builder setEventId(@Nullable String eventId);

    abstract Builder setTopic(String topic);

    abstract Builder setPartition(int partition);

    abstract Builder setOffset(long offset);

    abstract Builder setTimestamp(Instant timestamp);

    abstract Builder setKey(@Nullable byte[] key);

    abstract Builder setValue(@Nullable byte[] value);

    abstract Builder setHeaders(List<SourceRecord.Header> headers);

    abstract Builder setValueSize(long valueSize);

    abstract Builder setValueSha256(@Nullable String valueSha256);

    abstract Builder setValueTruncated(boolean valueTruncated);

    abstract Builder setPipeline(@Nullable String pipeline);

    abstract Builder setPipelineVersion(@Nullable String pipelineVersion);

    public abstract Builder setProcessingTime(Instant processingTime);

    abstract String getMessage();

    abstract @Nullable String getStack();

    abstract @Nullable byte[] getValue();

    abstract List<Violation> getViolations();

    abstract List<SourceRecord.Header> getHeaders();

    /** Keeps the throwable's class names and frames, never its messages (they may echo data). */
    public Builder error(Throwable error) {
      return setStack(sanitizedStack(error));
    }

    /** Keeps at most {@code maxBytes} of the value (for oversized records). */
    public Builder keepValueBytes(int maxBytes) {
      byte[] value = getValue();
      if (value != null && value.length > maxBytes) {
        setValue(Arrays.copyOf(value, maxBytes));
        setValueTruncated(true);
      }
      return this;
    }

    abstract DeadLetter autoBuild();

    /** The dead letter, with message and stack capped and its lists copied. */
    public DeadLetter build() {
      setMessage(cap(getMessage(), MAX_MESSAGE_CHARS));
      String stack = getStack();
      if (stack != null) {
        setStack(cap(stack, MAX_STACK_CHARS));
      }
      setViolations(List.copyOf(getViolations()));
      setHeaders(List.copyOf(getHeaders()));
      return autoBuild();
    }
  }

  static String sanitizedStack(Throwable error) {
    StringBuilder out = new StringBuilder();
    Throwable current = error;
    int depth = 0;
    while (current != null && depth < 5) {
      out.append(depth == 0 ? "" : "Caused by: ").append(current.getClass().getName()).append('\n');
      StackTraceElement[] frames = current.getStackTrace();
      for (int i = 0; i < Math.min(frames.length, 12); i++) {
        out.append("\tat ").append(frames[i]).append('\n');
      }
      current = current.getCause() == current ? null : current.getCause();
      depth++;
    }
    return out.toString();
  }

  static String cap(String text, int maxChars) {
    return text.length() <= maxChars ? text : text.substring(0, maxChars - 3) + "...";
  }

  /** The SHA-256 of {@code bytes} in lower-case hex, as {@link #getValueSha256} holds it. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available in the JDK", e);
    }
  }
}
