package dev.streamy.benchmarks;

import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record the baseline could not ingest, with what streamy's dead letters keep: the source bytes
 * and coordinates, the stage and code, the rules' message and violations, the size and SHA-256 of
 * the whole value (only the first bytes of an oversized one are kept).
 */
final class FailedRecord {

  final ConsumerRecord<byte[], byte[]> source;
  final String stage;
  final ErrorCode code;
  final String message;
  final List<DeadLetter.Violation> violations;
  final @Nullable String eventId;
  final @Nullable String stack;
  final @Nullable byte[] keptValue;
  final long valueSize;
  final @Nullable String valueSha256;
  final boolean valueTruncated;
  final long processingTime;

  FailedRecord(
      ConsumerRecord<byte[], byte[]> source,
      String stage,
      ErrorCode code,
      String message,
      List<DeadLetter.Violation> violations,
      @Nullable String eventId,
      @Nullable String stack,
      int keepBytes) {
    this.source = source;
    this.stage = stage;
    this.code = code;
    this.message = message;
    this.violations = violations;
    this.eventId = eventId;
    this.stack = stack;
    byte[] value = source.value();
    this.valueSize = value == null ? 0 : value.length;
    this.valueSha256 = value == null ? null : sha256(value);
    this.valueTruncated = value != null && value.length > keepBytes;
    this.keptValue = valueTruncated ? Arrays.copyOf(value, keepBytes) : value;
    this.processingTime = System.currentTimeMillis();
  }

  private static String sha256(byte[] value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
