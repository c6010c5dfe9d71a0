package dev.streamy.io;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DeadLetterHeadersTest {

  static final byte[] VALUE =
      "{\"meta\":{\"id\":\"e-1\"},\"bot\":\"yes\"}".getBytes(StandardCharsets.UTF_8);
  static final byte[] KEY = {0, 1, 2, (byte) 0xff};
  static final Instant SOURCE_TIME = Instant.parse("2024-08-22T13:00:05.123Z");
  static final Instant PROCESSING_TIME = Instant.parse("2024-08-22T13:01:00Z");

  static SourceRecord source() {
    return SourceRecord.create(
        "recentchange",
        3,
        42L,
        SOURCE_TIME,
        KEY,
        VALUE,
        List.of(
            SourceRecord.Header.create("trace", "t-1".getBytes(StandardCharsets.UTF_8)),
            SourceRecord.Header.create("empty", null),
            SourceRecord.Header.create("trace", "t-2".getBytes(StandardCharsets.UTF_8))));
  }

  static DeadLetter invalid() {
    return DeadLetter.of(source(), Stage.VALIDATE, ErrorCode.FIELD_INVALID)
        .setMessage("bot must be a boolean")
        .setViolations(
            List.of(
                DeadLetter.Violation.create(
                    "bot", "FIELD_INVALID", "expected boolean, got \"string\""),
                DeadLetter.Violation.create("meta.dt", "FIELD_MISSING", "required")))
        .setEventId("e-1")
        .setProcessingTime(PROCESSING_TIME)
        .build()
        .withPipeline("ingest", "1.2.3");
  }

  private static Map<String, String> metadata(DeadLetter d) {
    return DeadLetterHeaders.metadata(d);
  }

  @Test
  public void originalHeadersComeFirstAndUnchanged() {
    List<SourceRecord.Header> headers = DeadLetterHeaders.of(invalid());
    assertEquals(source().getHeaders(), headers.subList(0, 3));
    assertNull(headers.get(1).getValue());
    for (SourceRecord.Header header : headers.subList(3, headers.size())) {
      assertTrue(header.getKey(), header.getKey().startsWith(DeadLetterHeaders.PREFIX));
    }
    assertEquals(3 + metadata(invalid()).size(), headers.size());
  }

  @Test
  public void metadataDescribesTheFailureAndTheSource() throws Exception {
    Map<String, String> m = metadata(invalid());
    assertEquals("VALIDATE", m.get(DeadLetterHeaders.STAGE));
    assertEquals("FIELD_INVALID", m.get(DeadLetterHeaders.ERROR_CODE));
    assertEquals("bot must be a boolean", m.get(DeadLetterHeaders.ERROR_MESSAGE));
    assertEquals("recentchange", m.get(DeadLetterHeaders.SOURCE_TOPIC));
    assertEquals("3", m.get(DeadLetterHeaders.SOURCE_PARTITION));
    assertEquals("42", m.get(DeadLetterHeaders.SOURCE_OFFSET));
    assertEquals("2024-08-22T13:00:05.123Z", m.get(DeadLetterHeaders.SOURCE_TIMESTAMP));
    assertEquals("e-1", m.get(DeadLetterHeaders.EVENT_ID));
    assertEquals(Integer.toString(VALUE.length), m.get(DeadLetterHeaders.VALUE_SIZE));
    assertEquals(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(VALUE)),
        m.get(DeadLetterHeaders.VALUE_SHA256));
    assertEquals("false", m.get(DeadLetterHeaders.VALUE_TRUNCATED));
    assertEquals("ingest", m.get(DeadLetterHeaders.PIPELINE));
    assertEquals("1.2.3", m.get(DeadLetterHeaders.PIPELINE_VERSION));
    assertEquals("2024-08-22T13:01:00Z", m.get(DeadLetterHeaders.PROCESSING_TIME));
    assertFalse(m.containsKey(DeadLetterHeaders.STACK));
  }

  @Test
  public void violationsAreACompactJsonArray() throws Exception {
    String json = metadata(invalid()).get(DeadLetterHeaders.VIOLATIONS);
    assertFalse(json.contains(" \"") || json.contains("\n"));
    JsonNode array = new ObjectMapper().readTree(json);
    assertEquals(2, array.size());
    assertEquals("bot", array.get(0).get("path").asText());
    assertEquals("FIELD_INVALID", array.get(0).get("code").asText());
    assertEquals("expected boolean, got \"string\"", array.get(0).get("reason").asText());
    assertEquals("meta.dt", array.get(1).get("path").asText());
    assertEquals(
        "[]",
        metadata(DeadLetter.of(source(), Stage.PARSE, ErrorCode.PARSE_ERROR).build())
            .get(DeadLetterHeaders.VIOLATIONS));
  }

  @Test
  public void optionalHeadersOnlyWhenSet() {
    SourceRecord empty = SourceRecord.create("t", 0, 7L, SOURCE_TIME, null, null, List.of());
    DeadLetter d =
        DeadLetter.of(empty, Stage.PARSE, ErrorCode.EMPTY_PAYLOAD)
            .error(new IllegalStateException("boom"))
            .build();
    Map<String, String> m = metadata(d);
    assertFalse(m.containsKey(DeadLetterHeaders.EVENT_ID));
    assertFalse(m.containsKey(DeadLetterHeaders.VALUE_SHA256));
    assertFalse(m.containsKey(DeadLetterHeaders.PIPELINE));
    assertFalse(m.containsKey(DeadLetterHeaders.PIPELINE_VERSION));
    assertEquals("0", m.get(DeadLetterHeaders.VALUE_SIZE));
    assertTrue(m.get(DeadLetterHeaders.STACK).startsWith("java.lang.IllegalStateException"));
    assertFalse("the stack never quotes messages", m.get(DeadLetterHeaders.STACK).contains("boom"));
    assertTrue(m.get(DeadLetterHeaders.STACK).length() <= DeadLetterHeaders.MAX_STACK_CHARS);
    assertEquals(DeadLetterHeaders.STAGE, DeadLetterHeaders.of(d).get(0).getKey());
  }

  @Test
  public void truncatedValuesAreFlagged() {
    DeadLetter d =
        DeadLetter.of(source(), Stage.PARSE, ErrorCode.TOO_LARGE).keepValueBytes(4).build();
    Map<String, String> m = metadata(d);
    assertEquals("true", m.get(DeadLetterHeaders.VALUE_TRUNCATED));
    assertEquals(Integer.toString(VALUE.length), m.get(DeadLetterHeaders.VALUE_SIZE));
  }

  @Test
  public void valuesAreUtf8() {
    DeadLetter d =
        DeadLetter.of(source(), Stage.VALIDATE, ErrorCode.FIELD_INVALID)
            .setMessage("título inválido ✓")
            .build();
    SourceRecord.Header message =
        DeadLetterHeaders.of(d).stream()
            .filter(h -> h.getKey().equals(DeadLetterHeaders.ERROR_MESSAGE))
            .findFirst()
            .get();
    assertArrayEquals("título inválido ✓".getBytes(StandardCharsets.UTF_8), message.getValue());
  }
}
