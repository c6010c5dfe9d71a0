package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ParseEventsTest {

  private static final int MAX_BYTES = 64;
  private static final int MAX_DEPTH = 4;

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static SourceRecord record(long offset, byte[] value) {
    return SourceRecord.of("events", 3, offset, value);
  }

  static PCollection<SourceRecord> create(TestPipeline pipeline, List<SourceRecord> records) {
    try {
      return pipeline.apply(
          "Records",
          Create.of(records)
              .withCoder(pipeline.getSchemaRegistry().getSchemaCoder(SourceRecord.class)));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything a dead letter must keep, as one comparable line. */
  static String summary(DeadLetter d) {
    return d.getTopic()
        + "/"
        + d.getPartition()
        + "/"
        + d.getOffset()
        + " "
        + d.getStage()
        + " "
        + d.getErrorCode()
        + " ["
        + d.getViolations().stream()
            .map(v -> v.getPath() + " " + v.getCode())
            .collect(Collectors.joining(", "))
        + "] message="
        + d.getMessage()
        + " value="
        + (d.getValue() == null ? "null" : Base64.getEncoder().encodeToString(d.getValue()))
        + " size="
        + d.getValueSize()
        + " sha="
        + d.getValueSha256()
        + " truncated="
        + d.isValueTruncated()
        + " key="
        + (d.getKey() == null ? "null" : Base64.getEncoder().encodeToString(d.getKey()))
        + " headers="
        + d.getHeaders().size()
        + " at="
        + d.getTimestamp().getMillis()
        + " stack="
        + (d.getStack() != null)
        + " eventId="
        + d.getEventId();
  }

  private static String expected(
      SourceRecord source, ErrorCode code, String violations, String message) {
    byte[] value = source.getValue();
    return source.getTopic()
        + "/"
        + source.getPartition()
        + "/"
        + source.getOffset()
        + " PARSE "
        + code
        + " ["
        + violations
        + "] message="
        + message
        + " value="
        + (value == null ? "null" : Base64.getEncoder().encodeToString(value))
        + " size="
        + (value == null ? 0 : value.length)
        + " sha="
        + (value == null ? null : DeadLetter.sha256(value))
        + " truncated=false key="
        + (source.getKey() == null ? "null" : Base64.getEncoder().encodeToString(source.getKey()))
        + " headers="
        + source.getHeaders().size()
        + " at="
        + source.getTimestamp().getMillis()
        + " stack=false eventId=null";
  }

  static long counter(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> counter :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(StreamyCounters.NAMESPACE, name))
                    .build())
            .getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    }
    return out.toByteArray();
  }

  @Test
  public void parsesGoodRecordsAndDeadLettersEveryBadOneLosslessly() throws Exception {
    SourceRecord good =
        SourceRecord.create(
            "events",
            3,
            0,
            new Instant(1_690_000_000_000L),
            utf8("key-0"),
            utf8("{\"a\":1,\"b\":{\"c\":[true,null]}}"),
            List.of(
                SourceRecord.Header.create("h", utf8("v")), SourceRecord.Header.create("h", null)));
    SourceRecord alsoGood = record(1, utf8("  {\"s\":\"日本 😀\"}\n"));
    SourceRecord empty = record(2, new byte[0]);
    SourceRecord nullValue =
        SourceRecord.create("events", 3, 3, new Instant(5), utf8("tombstone"), null, List.of());
    SourceRecord malformed = record(4, utf8("{\"a\":1,,}"));
    SourceRecord trailing = record(5, utf8("{\"a\":1} {\"a\":2}"));
    SourceRecord rootArray = record(6, utf8("[1,2,3]"));
    SourceRecord gzipped = record(7, gzip(utf8("{\"a\":1}")));
    SourceRecord badUtf8 =
        record(8, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, '"', '}'});
    SourceRecord duplicate =
        SourceRecord.create(
            "events",
            3,
            9,
            new Instant(9),
            null,
            utf8("{\"m\":{\"id\":1,\"id\":2}}"),
            List.of(SourceRecord.Header.create("trace", utf8("t-1"))));
    SourceRecord deep = record(10, utf8("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}"));
    SourceRecord loneSurrogate = record(11, utf8("{\"t\":\"\\ud800\"}"));
    SourceRecord nan = record(12, utf8("{\"n\":NaN}"));
    byte[] large = utf8("{\"a\":\"" + "x".repeat(100) + "\"}");
    SourceRecord tooLarge = record(13, large);
    List<SourceRecord> records =
        List.of(
            good,
            alsoGood,
            empty,
            nullValue,
            malformed,
            trailing,
            rootArray,
            gzipped,
            badUtf8,
            duplicate,
            deep,
            loneSurrogate,
            nan,
            tooLarge);

    WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> result =
        create(pipeline, records).apply(ParseEvents.withLimits(MAX_BYTES, MAX_DEPTH));

    JsonParsing rules = JsonParsing.withLimits(MAX_BYTES, MAX_DEPTH);
    PAssert.that(result.output())
        .containsInAnyOrder(
            KV.of(good, rules.parse(good.getValue()).getNode()),
            KV.of(alsoGood, rules.parse(alsoGood.getValue()).getNode()));

    List<String> expected = new ArrayList<>();
    expected.add(expected(empty, ErrorCode.EMPTY_PAYLOAD, "", "value is empty (0 bytes)"));
    expected.add(expected(nullValue, ErrorCode.EMPTY_PAYLOAD, "", "value is null"));
    expected.add(
        expected(malformed, ErrorCode.PARSE_ERROR, "", "JSON syntax error at line 1, column 9"));
    expected.add(
        expected(
            trailing,
            ErrorCode.PARSE_ERROR,
            "",
            "trailing data after the JSON value at line 1, column 9"));
    expected.add(
        expected(rootArray, ErrorCode.SCHEMA_INVALID, "", "JSON root is an array, not an object"));
    expected.add(expected(gzipped, ErrorCode.WRONG_FORMAT, "", "value is gzip, not JSON"));
    expected.add(
        expected(
            badUtf8, ErrorCode.ENCODING_ERROR, "", "invalid UTF-8 byte sequence at byte offset 6"));
    expected.add(
        expected(
            duplicate,
            ErrorCode.DUPLICATE_KEY,
            "m.id DUPLICATE_KEY",
            "duplicate key at m.id at line 1, column 14"));
    expected.add(
        expected(
            deep,
            ErrorCode.TOO_DEEP,
            "",
            "JSON nesting deeper than 4 levels at line 1, column 21"));
    expected.add(
        expected(
            loneSurrogate,
            ErrorCode.ENCODING_ERROR,
            "t ENCODING_ERROR",
            "the string at t has an unpaired UTF-16 surrogate escape at line 1, column 6"));
    expected.add(expected(nan, ErrorCode.PARSE_ERROR, "", "JSON syntax error at line 1, column 9"));
    // Too large: only the first MAX_BYTES bytes are kept; size and hash are the original's.
    byte[] kept = java.util.Arrays.copyOf(large, MAX_BYTES);
    expected.add(
        "events/3/13 PARSE TOO_LARGE [] message=value is 108 bytes, over the limit of 64 bytes"
            + " value="
            + Base64.getEncoder().encodeToString(kept)
            + " size=108 sha="
            + DeadLetter.sha256(large)
            + " truncated=true key=null headers=0 at=0 stack=false eventId=null");
    PAssert.that(
            result
                .failures()
                .apply(
                    "Summarize",
                    MapElements.into(TypeDescriptors.strings()).via(ParseEventsTest::summary)))
        .containsInAnyOrder(expected);

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(records.size(), counter(run, "records_read"));
    assertEquals(2, counter(run, "parsed"));
    assertEquals(2, counter(run, "dead_letters_EMPTY_PAYLOAD"));
    assertEquals(3, counter(run, "dead_letters_PARSE_ERROR"));
    assertEquals(2, counter(run, "dead_letters_ENCODING_ERROR"));
    assertEquals(1, counter(run, "dead_letters_TOO_LARGE"));
    assertEquals(1, counter(run, "dead_letters_TOO_DEEP"));
    assertEquals(1, counter(run, "dead_letters_DUPLICATE_KEY"));
    assertEquals(1, counter(run, "dead_letters_SCHEMA_INVALID"));
    assertEquals(1, counter(run, "dead_letters_WRONG_FORMAT"));
    assertEquals(0, counter(run, "dead_letters_UNEXPECTED"));
  }

  @Test
  public void emptyInputGivesEmptyOutputs() {
    WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> result =
        create(pipeline, List.of()).apply(ParseEvents.withLimits(MAX_BYTES, MAX_DEPTH));
    PAssert.that(result.output()).empty();
    PAssert.that(result.failures()).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test(expected = IllegalArgumentException.class)
  public void refusesNonPositiveLimits() {
    ParseEvents.withLimits(0, 10);
  }
}
