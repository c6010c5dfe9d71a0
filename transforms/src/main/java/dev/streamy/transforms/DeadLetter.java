package dev.streamy.transforms;

import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;
import org.joda.time.Instant;

/**
 * A record that could not be ingested, from any stage, with everything needed to understand and
 * replay it: the original bytes, key, headers and Kafka coordinates, a stable code and field-level
 * violations. Messages and stacks are written by streamy and never quote the payload.
 */
@DefaultSchema(JavaFieldSchema.class)
public final class DeadLetter implements Serializable {

  /** Longest message kept, in characters. */
  public static final int MAX_MESSAGE_CHARS = 1_000;

  /**
   * Bytes of an oversized ({@code TOO_LARGE}) value that are kept, with the size and SHA-256 of the
   * whole. Small enough that the dead letter fits Kafka's default 1 MB record limit.
   */
  public static final int MAX_KEPT_OVERSIZED_BYTES = 64 * 1024;

  /** Longest stack kept, in characters. */
  public static final int MAX_STACK_CHARS = 4_000;

  public final String stage;
  public final String errorCode;
  public final String message;
  public final List<Violation> violations;
  public final @Nullable String stack;
  public final @Nullable String eventId;

  public final String topic;
  public final int partition;
  public final long offset;
  public final Instant timestamp;
  public final @Nullable byte[] key;

  /** The original value; cut to a cap only for {@code TOO_LARGE} (then valueTruncated is set). */
  public final @Nullable byte[] value;

  public final List<SourceRecord.Header> headers;
  public final long valueSize;
  public final @Nullable String valueSha256;
  public final boolean valueTruncated;

  /** Set by the dead-letter sink, once, for every record: which pipeline wrote it. */
  public final @Nullable String pipeline;

  public final @Nullable String pipelineVersion;
  public final Instant processingTime;

  @SchemaCreate
  public DeadLetter(
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
    this.stage = stage;
    this.errorCode = errorCode;
    this.message = message;
    this.violations = List.copyOf(violations);
    this.stack = stack;
    this.eventId = eventId;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
    this.headers = List.copyOf(headers);
    this.valueSize = valueSize;
    this.valueSha256 = valueSha256;
    this.valueTruncated = valueTruncated;
    this.pipeline = pipeline;
    this.pipelineVersion = pipelineVersion;
    this.processingTime = processingTime;
  }

  /** Starts a dead letter for {@code record}; the value is kept whole. */
  public static Builder of(SourceRecord record, Stage stage, ErrorCode code) {
    return new Builder(record, stage, code);
  }

  public ErrorCode code() {
    return ErrorCode.valueOf(errorCode);
  }

  /** The record this dead letter came from, bytes and coordinates as they were read. */
  public SourceRecord source() {
    return new SourceRecord(topic, partition, offset, timestamp, key, value, headers);
  }

  /** The same dead letter stamped with the pipeline that wrote it. */
  public DeadLetter withPipeline(String name, String version) {
    return new DeadLetter(
        stage,
        errorCode,
        message,
        violations,
        stack,
        eventId,
        topic,
        partition,
        offset,
        timestamp,
        key,
        value,
        headers,
        valueSize,
        valueSha256,
        valueTruncated,
        name,
        version,
        processingTime);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter d = (DeadLetter) o;
    return stage.equals(d.stage)
        && errorCode.equals(d.errorCode)
        && message.equals(d.message)
        && violations.equals(d.violations)
        && Objects.equals(stack, d.stack)
        && Objects.equals(eventId, d.eventId)
        && topic.equals(d.topic)
        && partition == d.partition
        && offset == d.offset
        && timestamp.equals(d.timestamp)
        && Arrays.equals(key, d.key)
        && Arrays.equals(value, d.value)
        && headers.equals(d.headers)
        && valueSize == d.valueSize
        && Objects.equals(valueSha256, d.valueSha256)
        && valueTruncated == d.valueTruncated
        && Objects.equals(pipeline, d.pipeline)
        && Objects.equals(pipelineVersion, d.pipelineVersion)
        && processingTime.equals(d.processingTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset, errorCode);
  }

  @Override
  public String toString() {
    return "DeadLetter{"
        + topic
        + "/"
        + partition
        + "/"
        + offset
        + " "
        + stage
        + " "
        + errorCode
        + ": "
        + message
        + " "
        + violations
        + "}";
  }

  /** One field-level contract violation: a JSON path, a stable code, and a short reason. */
  @DefaultSchema(JavaFieldSchema.class)
  public static final class Violation implements Serializable {
    public final String path;
    public final String code;
    public final String reason;

    @SchemaCreate
    public Violation(String path, String code, String reason) {
      this.path = path;
      this.code = code;
      this.reason = reason;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Violation
          && path.equals(((Violation) o).path)
          && code.equals(((Violation) o).code)
          && reason.equals(((Violation) o).reason);
    }

    @Override
    public int hashCode() {
      return Objects.hash(path, code, reason);
    }

    @Override
    public String toString() {
      return path + " " + code + " (" + reason + ")";
    }
  }

  /** Builds a {@link DeadLetter}; only stage, code and source are required. */
  public static final class Builder {
    private final SourceRecord record;
    private final Stage stage;
    private final ErrorCode code;
    private String message = "";
    private List<Violation> violations = List.of();
    private @Nullable String stack;
    private @Nullable String eventId;
    private int keepValueBytes = Integer.MAX_VALUE;
    private Instant processingTime = Instant.now();

    private Builder(SourceRecord record, Stage stage, ErrorCode code) {
      this.record = record;
      this.stage = stage;
      this.code = code;
    }

    /** A reason written by streamy; never pass text that may quote the payload. */
    public Builder message(String message) {
      this.message = cap(message, MAX_MESSAGE_CHARS);
      return this;
    }

    public Builder violations(List<Violation> violations) {
      this.violations = violations;
      return this;
    }

    public Builder eventId(@Nullable String eventId) {
      this.eventId = eventId;
      return this;
    }

    /** Keeps the throwable's class names and frames, never its messages (they may echo data). */
    public Builder error(Throwable error) {
      this.stack = cap(sanitizedStack(error), MAX_STACK_CHARS);
      return this;
    }

    /** Keeps at most {@code maxBytes} of the value (for oversized records). */
    public Builder keepValueBytes(int maxBytes) {
      this.keepValueBytes = maxBytes;
      return this;
    }

    public Builder processingTime(Instant processingTime) {
      this.processingTime = processingTime;
      return this;
    }

    public DeadLetter build() {
      byte[] value = record.value;
      long size = value == null ? 0 : value.length;
      boolean truncated = value != null && value.length > keepValueBytes;
      byte[] kept = truncated ? Arrays.copyOf(value, keepValueBytes) : value;
      return new DeadLetter(
          stage.name(),
          code.name(),
          message,
          violations,
          stack,
          eventId,
          record.topic,
          record.partition,
          record.offset,
          record.timestamp,
          record.key,
          kept,
          record.headers,
          size,
          value == null ? null : sha256(value),
          truncated,
          null,
          null,
          processingTime);
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

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available in the JDK", e);
    }
  }
}
