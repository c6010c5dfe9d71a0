package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.transforms.testing.FixedClock;
import dev.streamy.transforms.testing.RealEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** All 3,059 real Wikimedia events through ParseEvents and ValidateEvents. */
@RunWith(JUnit4.class)
public class RealEventsContractTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** Outputs a description of each row whose element timestamp is not its event time. */
  private static final class TimestampMismatchFn extends DoFn<KV<SourceRecord, Row>, String> {
    @ProcessElement
    public void process(
        @Element KV<SourceRecord, Row> row,
        @Timestamp Instant timestamp,
        OutputReceiver<String> out) {
      Instant eventTime = row.getValue().getDateTime("meta_dt").toInstant();
      if (!eventTime.equals(timestamp)) {
        out.output(row.getKey().coordinates() + " " + timestamp + " != " + eventTime);
      }
    }
  }

  private static String deadLetterSummary(DeadLetter d) {
    return d.getOffset()
        + " "
        + d.getStage()
        + " "
        + d.getErrorCode()
        + " "
        + d.getViolations().stream()
            .map(v -> v.getPath() + ":" + v.getCode())
            .collect(Collectors.joining(","))
        + " "
        + DeadLetter.sha256(d.getValue())
        + " "
        + d.getEventId();
  }

  @Test
  public void realEventsGiveExactlyTheExpectedRowsAndDeadLetters() throws Exception {
    List<SourceRecord> records = RealEvents.records("recentchange");
    assertEquals(RealEvents.COUNT, records.size());

    // What to expect, worked out from the raw lines independently of the transforms.
    List<Long> validOffsets = new ArrayList<>();
    List<String> expectedDeadLetters = new ArrayList<>();
    for (SourceRecord record : records) {
      JsonNode event = MAPPER.readTree(record.getValue());
      if (event.has("$schema") && event.get("meta").has("stream")) {
        validOffsets.add(record.getOffset());
      } else {
        assertFalse(event.has("$schema") || event.get("meta").has("stream"));
        expectedDeadLetters.add(
            record.getOffset()
                + " VALIDATE FIELD_MISSING $schema:FIELD_MISSING,meta.stream:FIELD_MISSING "
                + DeadLetter.sha256(record.getValue())
                + " "
                + event.get("meta").get("id").asText());
      }
    }
    assertEquals(RealEvents.VALID, validOffsets.size());
    assertEquals(RealEvents.MISSING_SCHEMA_AND_STREAM, expectedDeadLetters.size());

    Contract contract = Contract.load(Contract.DEFAULT);
    WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> parsed =
        ParseEventsTest.create(pipeline, records)
            .apply(
                "ParseEvents",
                ParseEvents.withLimits(
                    JsonParsing.DEFAULT_MAX_BYTES, JsonParsing.DEFAULT_MAX_DEPTH));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> validated =
        parsed
            .output()
            .apply(
                "ValidateEvents",
                ValidateEvents.of(contract, Duration.standardMinutes(5))
                    .withClock(FixedClock.at("2026-01-01T00:00:00Z")));

    PAssert.that(parsed.failures()).empty();
    PAssert.that(
            validated
                .output()
                .apply(
                    "Offsets",
                    MapElements.into(TypeDescriptors.longs())
                        .via(kv -> kv.getValue().getInt64("_offset"))))
        .containsInAnyOrder(validOffsets);
    PAssert.that(
            validated
                .failures()
                .apply(
                    "Summarize",
                    MapElements.into(TypeDescriptors.strings())
                        .via(RealEventsContractTest::deadLetterSummary)))
        .containsInAnyOrder(expectedDeadLetters);
    PAssert.that(validated.output().apply("Mismatches", ParDo.of(new TimestampMismatchFn())))
        .empty();

    // The first line, field by field, with the types the contract derives.
    PAssert.that(validated.output().apply("First", Filter.by(kv -> kv.getKey().getOffset() == 0)))
        .satisfies(
            rows -> {
              List<KV<SourceRecord, Row>> all = new ArrayList<>();
              rows.forEach(all::add);
              assertEquals(1, all.size());
              Row row = all.get(0).getValue();
              Schema schema = row.getSchema();
              assertEquals(
                  Schema.TypeName.DATETIME, schema.getField("meta_dt").getType().getTypeName());
              assertEquals(
                  Schema.TypeName.INT64, schema.getField("length_new").getType().getTypeName());
              assertEquals(
                  Instant.parse("2023-07-29T07:51:39Z"), row.getDateTime("meta_dt").toInstant());
              assertEquals("0416300b-980c-45bb-b0a2-c9d7a9e2b7eb", row.getString("meta_id"));
              assertEquals(Long.valueOf(91166L), row.getInt64("length_new"));
              assertEquals(Long.valueOf(91108L), row.getInt64("length_old"));
              assertEquals(Long.valueOf(1659529639L), row.getInt64("id"));
              assertEquals(Long.valueOf(1690617099L), row.getInt64("timestamp"));
              assertEquals(Long.valueOf(0L), row.getInt64("namespace"));
              assertEquals(Boolean.FALSE, row.getBoolean("bot"));
              assertEquals(Boolean.FALSE, row.getBoolean("minor"));
              assertNull(row.getBoolean("patrolled"));
              assertEquals("enwiki", row.getString("wiki"));
              assertEquals("87.12.215.232", row.getString("user"));
              assertEquals("recentchange", row.getString("_topic"));
              assertEquals(Integer.valueOf(0), row.getInt32("_partition"));
              assertEquals(Long.valueOf(0L), row.getInt64("_offset"));
              assertNotNull(row.getString("comment"));
              return null;
            });

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(RealEvents.COUNT, ParseEventsTest.counter(run, "records_read"));
    assertEquals(RealEvents.COUNT, ParseEventsTest.counter(run, "parsed"));
    assertEquals(RealEvents.VALID, ParseEventsTest.counter(run, "events_valid"));
    // Every real event carries fields its 1.0.0 schema does not declare (title_url, meta.topic).
    assertEquals(RealEvents.VALID, ParseEventsTest.counter(run, "events_with_unknown_fields"));
    assertEquals(
        RealEvents.MISSING_SCHEMA_AND_STREAM,
        ParseEventsTest.counter(run, "dead_letters_FIELD_MISSING"));
  }
}
