package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.transforms.testing.FixedClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.util.SerializableSupplier;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ValidateEventsTest {

  private static final Contract CONTRACT = Contract.load(Contract.DEFAULT);
  private static final Instant NOW = Instant.parse("2023-07-29T08:00:00Z");
  private static final Instant KAFKA_TIME = Instant.parse("2024-01-01T00:00:00Z");
  private static final String ID = "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final class BrokenClock implements SerializableSupplier<Instant> {
    @Override
    public Instant get() {
      throw new IllegalStateException("clock is broken");
    }
  }

  /** A record whose value is the event's JSON text, and the tree parsed from those bytes. */
  private static KV<SourceRecord, JsonNode> parsed(long offset, ObjectNode event) {
    byte[] value = event.toString().getBytes(StandardCharsets.UTF_8);
    SourceRecord record =
        SourceRecord.create(
            "wiki",
            1,
            offset,
            KAFKA_TIME,
            ("k" + offset).getBytes(StandardCharsets.UTF_8),
            value,
            List.of(SourceRecord.Header.create("h", new byte[] {1, 2})));
    return KV.of(record, JsonParsing.withLimits(1 << 20, 64).parse(value).getNode());
  }

  private PCollection<KV<SourceRecord, JsonNode>> create(List<KV<SourceRecord, JsonNode>> input)
      throws Exception {
    SchemaCoder<SourceRecord> sources =
        pipeline.getSchemaRegistry().getSchemaCoder(SourceRecord.class);
    return pipeline.apply(
        "Events", Create.of(input).withCoder(KvCoder.of(sources, JsonNodeCoder.of())));
  }

  static String summary(DeadLetter d) {
    return d.getOffset()
        + " "
        + d.getStage()
        + " "
        + d.getErrorCode()
        + " eventId="
        + d.getEventId()
        + " ["
        + d.getViolations().stream()
            .map(v -> v.getPath() + " " + v.getCode() + " " + v.getReason())
            .collect(Collectors.joining("; "))
        + "] value="
        + Base64.getEncoder().encodeToString(d.getValue())
        + " key="
        + new String(d.getKey(), StandardCharsets.UTF_8)
        + " headers="
        + d.getHeaders()
            .get(0)
            .getKey()
            .concat(Base64.getEncoder().encodeToString(d.getHeaders().get(0).getValue()))
        + " at="
        + d.getTimestamp()
        + " stack="
        + (d.getStack() == null ? "none" : d.getStack().lines().findFirst().orElse(""));
  }

  private static String expected(
      KV<SourceRecord, JsonNode> input, String code, String eventId, String violations) {
    return input.getKey().getOffset()
        + " VALIDATE "
        + code
        + " eventId="
        + eventId
        + " ["
        + violations
        + "] value="
        + Base64.getEncoder().encodeToString(input.getKey().getValue())
        + " key=k"
        + input.getKey().getOffset()
        + " headers=hAQI="
        + " at="
        + KAFKA_TIME
        + " stack=none";
  }

  @Test
  public void turnsValidEventsIntoTimestampedRowsAndTheRestIntoDeadLetters() throws Exception {
    KV<SourceRecord, JsonNode> valid = parsed(0, EventRulesTest.validEvent());
    ObjectNode drifted = EventRulesTest.validEvent();
    drifted.put("title_url", "https://en.wikipedia.org/wiki/X");
    ((ObjectNode) drifted.get("meta")).put("id", "97e4dc39-fb32-4774-9c9a-b2caea391c9e");
    ((ObjectNode) drifted.get("meta")).put("dt", "2023-07-29T09:51:42+02:00");
    drifted.putNull("id");
    drifted.remove("length");
    KV<SourceRecord, JsonNode> withUnknownField = parsed(1, drifted);
    ObjectNode noStream = EventRulesTest.validEvent();
    ((ObjectNode) noStream.get("meta")).remove("stream");
    noStream.remove("$schema");
    KV<SourceRecord, JsonNode> missing = parsed(2, noStream);
    ObjectNode wrongType = EventRulesTest.validEvent();
    wrongType.put("namespace", "0");
    wrongType.put("bot", 1);
    KV<SourceRecord, JsonNode> invalid = parsed(3, wrongType);
    ObjectNode badTime = EventRulesTest.validEvent();
    ((ObjectNode) badTime.get("meta")).put("dt", "29/07/2023 07:51");
    KV<SourceRecord, JsonNode> tsInvalid = parsed(4, badTime);
    ObjectNode future = EventRulesTest.validEvent();
    ((ObjectNode) future.get("meta")).put("dt", "2023-07-29T08:05:00.001Z");
    KV<SourceRecord, JsonNode> tsFuture = parsed(5, future);

    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> result =
        create(List.of(valid, withUnknownField, missing, invalid, tsInvalid, tsFuture))
            .apply(
                ValidateEvents.of(CONTRACT, Duration.standardMinutes(5))
                    .withClock(FixedClock.at(NOW)));

    Instant validTime = Instant.parse("2023-07-29T07:51:39Z");
    Row validRow =
        Row.withSchema(CONTRACT.getEventSchema())
            .withFieldValue("meta_id", ID)
            .withFieldValue("meta_dt", validTime)
            .withFieldValue("meta_domain", "en.wikipedia.org")
            .withFieldValue("meta_stream", "mediawiki.recentchange")
            .withFieldValue("meta_uri", "https://en.wikipedia.org/wiki/X")
            .withFieldValue("id", 1659529639L)
            .withFieldValue("type", "edit")
            .withFieldValue("namespace", 0L)
            .withFieldValue("title", "X")
            .withFieldValue("bot", false)
            .withFieldValue("wiki", "enwiki")
            .withFieldValue("length_old", 91108L)
            .withFieldValue("length_new", 91166L)
            .withFieldValue("_topic", "wiki")
            .withFieldValue("_partition", 1)
            .withFieldValue("_offset", 0L)
            .build();
    Instant driftedTime = Instant.parse("2023-07-29T07:51:42Z");
    Row driftedRow =
        Row.fromRow(validRow)
            .withFieldValue("meta_id", "97e4dc39-fb32-4774-9c9a-b2caea391c9e")
            .withFieldValue("meta_dt", driftedTime)
            .withFieldValue("id", null)
            .withFieldValue("length_old", null)
            .withFieldValue("length_new", null)
            .withFieldValue("_offset", 1L)
            .build();
    // Rows carry their event time as element timestamp, though it is earlier than Kafka's.
    PAssert.that(result.output().apply("Timestamps", Reify.timestamps()))
        .containsInAnyOrder(
            TimestampedValue.of(KV.of(valid.getKey(), validRow), validTime),
            TimestampedValue.of(KV.of(withUnknownField.getKey(), driftedRow), driftedTime));

    PAssert.that(
            result
                .failures()
                .apply(
                    "Summarize",
                    MapElements.into(TypeDescriptors.strings()).via(ValidateEventsTest::summary)))
        .containsInAnyOrder(
            expected(
                missing,
                "FIELD_MISSING",
                ID,
                "$schema FIELD_MISSING required, missing;"
                    + " meta.stream FIELD_MISSING required, missing"),
            expected(
                invalid,
                "FIELD_INVALID",
                ID,
                "bot FIELD_INVALID expected boolean, found integer;"
                    + " namespace FIELD_INVALID expected integer, found string"),
            expected(
                tsInvalid,
                "TS_INVALID",
                ID,
                "meta.dt TS_INVALID event time is not an ISO-8601 date-time with an offset"),
            expected(
                tsFuture,
                "TS_FUTURE",
                ID,
                "meta.dt TS_FUTURE event time is more than PT300S ahead of processing time"));

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(2, ParseEventsTest.counter(run, "events_valid"));
    assertEquals(1, ParseEventsTest.counter(run, "events_with_unknown_fields"));
    assertEquals(1, ParseEventsTest.counter(run, "dead_letters_FIELD_MISSING"));
    assertEquals(1, ParseEventsTest.counter(run, "dead_letters_FIELD_INVALID"));
    assertEquals(1, ParseEventsTest.counter(run, "dead_letters_TS_INVALID"));
    assertEquals(1, ParseEventsTest.counter(run, "dead_letters_TS_FUTURE"));
  }

  @Test
  public void aBugOnOneRecordBecomesAnUnexpectedDeadLetterWithItsStack() throws Exception {
    KV<SourceRecord, JsonNode> event = parsed(7, EventRulesTest.validEvent());
    ObjectNode noId = EventRulesTest.validEvent();
    ((ObjectNode) noId.get("meta")).remove("id");
    KV<SourceRecord, JsonNode> eventWithoutId = parsed(8, noId);

    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> result =
        create(List.of(event, eventWithoutId))
            .apply(
                ValidateEvents.of(CONTRACT, Duration.standardMinutes(5))
                    .withClock(new BrokenClock()));

    PAssert.that(result.output()).empty();
    String stack = "stack=java.lang.IllegalStateException";
    PAssert.that(
            result
                .failures()
                .apply(
                    "Summarize",
                    MapElements.into(TypeDescriptors.strings()).via(ValidateEventsTest::summary)))
        .containsInAnyOrder(
            expected(event, "UNEXPECTED", ID, "").replace("stack=none", stack),
            expected(eventWithoutId, "UNEXPECTED", "null", "").replace("stack=none", stack));
    PAssert.that(result.failures())
        .satisfies(
            letters -> {
              for (DeadLetter letter : letters) {
                assertEquals(
                    "unexpected java.lang.IllegalStateException while validating",
                    letter.getMessage());
                // The stack keeps frames but never the exception's message.
                assertEquals(false, letter.getStack().contains("clock is broken"));
                assertEquals(true, letter.getStack().contains("BrokenClock.get"));
              }
              return null;
            });
    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(2, ParseEventsTest.counter(run, "dead_letters_UNEXPECTED"));
  }
}
