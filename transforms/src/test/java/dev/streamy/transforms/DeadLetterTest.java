package dev.streamy.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.CoderUtils;
import org.joda.time.Instant;
import org.junit.Test;

/** The dead-letter type: its schema is the files' and table's layout, its coder is lossless. */
public class DeadLetterTest {

  private static final byte[] SECRET =
      "{\"password\":\"hunter2\"}".getBytes(StandardCharsets.UTF_8);

  private static SourceRecord record() {
    return SourceRecord.create(
        "t",
        3,
        42,
        new Instant(1_000),
        "k".getBytes(StandardCharsets.UTF_8),
        SECRET,
        List.of(SourceRecord.Header.create("trace", null)));
  }

  @Test
  public void schemaKeepsItsFieldsNamesTypesAndOrder() {
    List<String> fields = new ArrayList<>();
    for (Schema.Field field : DeadLetter.SCHEMA.getFields()) {
      fields.add(field.getName() + " " + field.getType());
    }
    assertEquals(
        List.of(
            "stage STRING NOT NULL",
            "errorCode STRING NOT NULL",
            "message STRING NOT NULL",
            "violations ARRAY<ROW<path STRING NOT NULL, code STRING NOT NULL, reason STRING NOT"
                + " NULL> NOT NULL> NOT NULL",
            "stack STRING",
            "eventId STRING",
            "topic STRING NOT NULL",
            "partition INT32 NOT NULL",
            "offset INT64 NOT NULL",
            "timestamp DATETIME NOT NULL",
            "key BYTES",
            "value BYTES",
            "headers ARRAY<ROW<key STRING NOT NULL, value BYTES> NOT NULL> NOT NULL",
            "valueSize INT64 NOT NULL",
            "valueSha256 STRING",
            "valueTruncated BOOLEAN NOT NULL",
            "pipeline STRING",
            "pipelineVersion STRING",
            "processingTime DATETIME NOT NULL"),
        fields);
  }

  @Test
  public void coderRoundTripsEveryField() throws Exception {
    DeadLetter d =
        DeadLetter.of(record(), Stage.VALIDATE, ErrorCode.FIELD_INVALID)
            .setMessage("1 contract violation(s) at: a")
            .setViolations(List.of(DeadLetter.Violation.create("a", "FIELD_INVALID", "why")))
            .setEventId("id-1")
            .error(new IllegalStateException("never kept"))
            .setProcessingTime(new Instant(5))
            .build()
            .withPipeline("p", "1");
    DeadLetter back = CoderUtils.clone(DeadLetter.coder(), d);
    assertEquals(d, back);
    assertEquals(
        List.of(DeadLetter.Violation.create("a", "FIELD_INVALID", "why")), back.getViolations());
    assertEquals(record(), back.source());
    assertEquals(record(), CoderUtils.clone(SourceRecord.coder(), record()));
  }

  @Test
  public void builderCapsMessageAndValueAndHashesTheWhole() {
    DeadLetter d =
        DeadLetter.of(record(), Stage.PARSE, ErrorCode.TOO_LARGE)
            .setMessage("m".repeat(DeadLetter.MAX_MESSAGE_CHARS + 10))
            .keepValueBytes(4)
            .build();
    assertEquals(DeadLetter.MAX_MESSAGE_CHARS, d.getMessage().length());
    assertArrayEquals(new byte[] {SECRET[0], SECRET[1], SECRET[2], SECRET[3]}, d.getValue());
    assertTrue(d.isValueTruncated());
    assertEquals(SECRET.length, d.getValueSize());
    assertEquals(DeadLetter.sha256(SECRET), d.getValueSha256());
    assertEquals(ErrorCode.TOO_LARGE, d.code());
  }

  @Test
  public void textFormsNeverShowThePayload() {
    DeadLetter d = DeadLetter.of(record(), Stage.PARSE, ErrorCode.PARSE_ERROR).build();
    assertThat(d.toString(), containsString("t/3/42 PARSE PARSE_ERROR"));
    assertThat(d.toString(), not(containsString("hunter2")));
    assertThat(record().toString(), not(containsString("hunter2")));
  }
}
