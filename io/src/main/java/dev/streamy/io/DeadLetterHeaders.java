package dev.streamy.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.SourceRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.joda.time.Instant;

/**
 * The Kafka headers of a dead letter in the DLQ topic: the original record's headers, unchanged and
 * first, then streamy's metadata as {@code dlq.*} headers with UTF-8 text values. Together with the
 * byte-identical key and value this makes replay a plain re-produce (drop the {@code dlq.*}
 * headers), in the spirit of Kafka Connect's {@code __connect.errors.*} headers.
 */
public final class DeadLetterHeaders {

  /** Every metadata header name starts with this. */
  public static final String PREFIX = "dlq.";

  public static final String STAGE = "dlq.stage";
  public static final String ERROR_CODE = "dlq.error.code";
  public static final String ERROR_MESSAGE = "dlq.error.message";
  public static final String VIOLATIONS = "dlq.violations";
  public static final String SOURCE_TOPIC = "dlq.source.topic";
  public static final String SOURCE_PARTITION = "dlq.source.partition";
  public static final String SOURCE_OFFSET = "dlq.source.offset";
  public static final String SOURCE_TIMESTAMP = "dlq.source.timestamp";
  public static final String EVENT_ID = "dlq.event.id";
  public static final String VALUE_SIZE = "dlq.value.size";
  public static final String VALUE_SHA256 = "dlq.value.sha256";
  public static final String VALUE_TRUNCATED = "dlq.value.truncated";

  /**
   * Set only on a DLQ topic record that had to be cut to fit the producer's {@code
   * max.request.size}: what was cut, {@code key}, {@code value} and/or {@code headers} (the
   * original ones), comma-separated. The dead-letter files and table keep the whole record.
   */
  public static final String TOPIC_TRUNCATED = "dlq.topic.truncated";

  /** With {@link #TOPIC_TRUNCATED}: the original key's length in bytes. */
  public static final String KEY_SIZE = "dlq.key.size";

  public static final String PIPELINE = "dlq.pipeline";
  public static final String PIPELINE_VERSION = "dlq.pipeline.version";
  public static final String PROCESSING_TIME = "dlq.processing.time";
  public static final String STACK = "dlq.stack";

  /** Longest stack kept in a header, in characters; the DLQ files keep the dead letter's own. */
  public static final int MAX_STACK_CHARS = 2_000;

  private static final JsonFactory JSON = new JsonFactory();

  private DeadLetterHeaders() {}

  /** The original headers, then the {@code dlq.*} metadata, in that order. */
  public static List<SourceRecord.Header> of(DeadLetter deadLetter) {
    List<SourceRecord.Header> headers = new ArrayList<>(deadLetter.getHeaders());
    metadata(deadLetter)
        .forEach(
            (key, value) ->
                headers.add(
                    SourceRecord.Header.create(key, value.getBytes(StandardCharsets.UTF_8))));
    return headers;
  }

  /** The {@code dlq.*} headers as text, in a fixed order; optional ones only when set. */
  public static Map<String, String> metadata(DeadLetter d) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(STAGE, d.getStage());
    out.put(ERROR_CODE, d.getErrorCode());
    out.put(ERROR_MESSAGE, d.getMessage());
    out.put(VIOLATIONS, violationsJson(d.getViolations()));
    out.put(SOURCE_TOPIC, d.getTopic());
    out.put(SOURCE_PARTITION, Integer.toString(d.getPartition()));
    out.put(SOURCE_OFFSET, Long.toString(d.getOffset()));
    out.put(SOURCE_TIMESTAMP, iso(d.getTimestamp()));
    putIfSet(out, EVENT_ID, d.getEventId());
    out.put(VALUE_SIZE, Long.toString(d.getValueSize()));
    putIfSet(out, VALUE_SHA256, d.getValueSha256());
    out.put(VALUE_TRUNCATED, Boolean.toString(d.isValueTruncated()));
    putIfSet(out, PIPELINE, d.getPipeline());
    putIfSet(out, PIPELINE_VERSION, d.getPipelineVersion());
    out.put(PROCESSING_TIME, iso(d.getProcessingTime()));
    String stack = d.getStack();
    if (stack != null && !stack.isEmpty()) {
      out.put(STACK, cap(stack, MAX_STACK_CHARS));
    }
    return Collections.unmodifiableMap(out);
  }

  /** {@code [{"path":..,"code":..,"reason":..}, ...]}, compact. */
  static String violationsJson(List<DeadLetter.Violation> violations) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartArray();
      for (DeadLetter.Violation v : violations) {
        json.writeStartObject();
        json.writeStringField("path", v.getPath());
        json.writeStringField("code", v.getCode());
        json.writeStringField("reason", v.getReason());
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Writing JSON to a string cannot fail", e);
    }
    return text.toString();
  }

  /** ISO-8601 in UTC, e.g. {@code 2024-08-22T13:00:00.123Z}. */
  static String iso(Instant instant) {
    return java.time.Instant.ofEpochMilli(instant.getMillis()).toString();
  }

  private static void putIfSet(Map<String, String> out, String key, @Nullable String value) {
    if (value != null) {
      out.put(key, value);
    }
  }

  private static String cap(String text, int maxChars) {
    return text.length() <= maxChars ? text : text.substring(0, maxChars - 3) + "...";
  }
}
