package dev.streamy.pipelines;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.IngestPipeline.Outputs;
import dev.streamy.transforms.AggregateEvents;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.WindowEvents;
import dev.streamy.transforms.testing.RealEvents;
import dev.streamy.transforms.testing.TestEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The ingest graph without IO ({@link IngestPipeline#ingest}), fed with {@code Create} and {@code
 * TestStream}: every record ends as exactly one event or one dead letter, duplicates are removed,
 * aggregates add up, and too-late events become TS_LATE dead letters with their bytes.
 */
public class IngestPipelineTest {

  private static final String TOPIC = "recentchange";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Settings SETTINGS = Settings.defaults();
  private static final Instant T0 = Instant.parse("2024-08-22T13:00:00Z");
  private static final IntervalWindow FIRST_MINUTE =
      new IntervalWindow(T0, T0.plus(Duration.standardMinutes(1)));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private Coder<SourceRecord> sourceCoder() {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(SourceRecord.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  private Outputs ingest(List<SourceRecord> records) {
    return IngestPipeline.ingest(
        pipeline.apply("Records", Create.of(records).withCoder(sourceCoder())), SETTINGS);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A record as Kafka would give it: with a key, a header and a broker timestamp. */
  private static SourceRecord record(long offset, Instant timestamp, @Nullable byte[] value) {
    return SourceRecord.create(
        TOPIC,
        0,
        offset,
        timestamp,
        utf8("key-" + offset),
        value,
        List.of(SourceRecord.Header.create("trace", utf8("t-" + offset))));
  }

  private static JsonNode json(byte[] value) {
    try {
      return MAPPER.readTree(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Real events that satisfy the default contract: they have $schema and meta.stream. */
  private static boolean isValid(JsonNode event) {
    return event.has("$schema") && event.get("meta").has("stream");
  }

  private static PCollection<Long> offsets(PCollection<Row> events) {
    return events.apply(
        "Offsets",
        MapElements.into(TypeDescriptors.longs()).via(r -> r.getInt64(Contract.OFFSET_COLUMN)));
  }

  /**
   * The offsets of the events grouped as a sink groups them: elements only carry the pane of their
   * last GroupByKey, so the events' panes are those of the next grouping.
   */
  private static PCollection<Long> offsetsAsASinkSeesThem(PCollection<Row> events) {
    return events
        .apply(
            "KeyOffsets",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via(r -> KV.of("all", r.getInt64(Contract.OFFSET_COLUMN))))
        .apply("GroupAsASinkWould", GroupByKey.create())
        .apply("Ungroup", Values.create())
        .apply("FlattenOffsets", Flatten.iterables());
  }

  private static String summary(DeadLetter d) {
    return d.getOffset() + " " + d.getStage() + " " + d.getErrorCode();
  }

  @Test
  public void realEventsAndBadRecordsEndAsEventsOrDeadLettersWithDuplicatesRemoved() {
    List<SourceRecord> records = new ArrayList<>(RealEvents.records(TOPIC));
    assertEquals(RealEvents.COUNT, records.size());
    SourceRecord original = records.get(0);
    String originalId = json(original.getValue()).get("meta").get("id").asText();

    // Worked out from the raw lines, independently of the pipeline.
    Set<Long> validOffsets = new TreeSet<>();
    Set<String> expectedDeadLetters = new HashSet<>();
    for (SourceRecord record : records) {
      if (isValid(json(record.getValue()))) {
        validOffsets.add(record.getOffset());
      } else {
        expectedDeadLetters.add(record.getOffset() + " VALIDATE FIELD_MISSING");
      }
    }
    assertEquals(RealEvents.VALID, validOffsets.size());
    assertTrue(validOffsets.contains(original.getOffset()));

    long next = RealEvents.COUNT;
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    List<SourceRecord> bad =
        List.of(
            record(next, now, new byte[0]),
            record(next + 1, now, null),
            record(next + 2, now, utf8("{\"meta\": {\"id\": \"x\"")),
            record(next + 3, now, utf8("{\"type\": \"edit\", \"type\": \"log\"}")),
            record(next + 4, now, utf8("[1, 2, 3]")));
    expectedDeadLetters.add(next + " PARSE EMPTY_PAYLOAD");
    expectedDeadLetters.add((next + 1) + " PARSE EMPTY_PAYLOAD");
    expectedDeadLetters.add((next + 2) + " PARSE PARSE_ERROR");
    expectedDeadLetters.add((next + 3) + " PARSE DUPLICATE_KEY");
    expectedDeadLetters.add((next + 4) + " PARSE SCHEMA_INVALID");
    records.addAll(bad);
    // The same bytes again at a new offset, as a producer retry writes them.
    long duplicateOffset = next + 5;
    records.add(record(duplicateOffset, now, original.getValue()));

    Map<Long, SourceRecord> deadLetterSources = new HashMap<>();
    for (SourceRecord record : records) {
      if (record.getOffset() >= next && record.getOffset() < duplicateOffset
          || !validOffsets.contains(record.getOffset()) && record.getOffset() < next) {
        deadLetterSources.put(record.getOffset(), record);
      }
    }
    assertEquals(expectedDeadLetters.size(), deadLetterSources.size());

    Outputs outputs = ingest(records);

    // One copy of the duplicated event survives; Create gives no order, so either may be first.
    PAssert.that(offsets(outputs.getEvents()))
        .satisfies(
            offsets -> {
              List<Long> all = new ArrayList<>();
              offsets.forEach(all::add);
              assertEquals(RealEvents.VALID, all.size());
              Set<Long> distinct = new TreeSet<>(all);
              assertEquals(RealEvents.VALID, distinct.size());
              Set<Long> expected = new TreeSet<>(validOffsets);
              if (distinct.contains(duplicateOffset)) {
                expected.remove(original.getOffset());
                expected.add(duplicateOffset);
              }
              assertEquals(expected, distinct);
              return null;
            });
    PAssert.that(
            outputs
                .getEvents()
                .apply(
                    "IdsOfTheDuplicatedEvent",
                    MapElements.into(TypeDescriptors.strings())
                        .via(r -> r.getString(SETTINGS.getContract().eventIdColumn())))
                .apply("OnlyTheDuplicatedId", Filter.equal(originalId)))
        .containsInAnyOrder(originalId);

    PAssert.that(
            outputs
                .getDeadLetters()
                .apply(
                    "Summaries",
                    MapElements.into(TypeDescriptors.strings()).via(IngestPipelineTest::summary)))
        .containsInAnyOrder(expectedDeadLetters);
    // Lossless: each dead letter carries its record's bytes, key, headers and coordinates.
    PAssert.that(outputs.getDeadLetters())
        .satisfies(
            deadLetters -> {
              for (DeadLetter d : deadLetters) {
                SourceRecord source = deadLetterSources.get(d.getOffset());
                assertEquals(d.toString(), source, d.source());
                assertEquals(
                    source.getValue() == null ? 0 : source.getValue().length, d.getValueSize());
                assertEquals(false, d.isValueTruncated());
              }
              return null;
            });

    pipeline.run().waitUntilFinish();
  }

  @Test
  public void finalAggregatesOfRealEventsAddUpToTheEvents() {
    List<SourceRecord> records = RealEvents.records(TOPIC);
    // Independently: the (minute, wiki, type) groups, and how many of their events are bots.
    Set<String> groups = new HashSet<>();
    long bots = 0;
    for (SourceRecord record : records) {
      JsonNode event = json(record.getValue());
      if (isValid(event)) {
        long second = OffsetDateTime.parse(event.get("meta").get("dt").asText()).toEpochSecond();
        groups.add(
            Math.floorDiv(second, 60)
                + " "
                + event.get("wiki").asText()
                + " "
                + event.get("type").asText());
        bots += event.get("bot").asBoolean() ? 1 : 0;
      }
    }
    int groupCount = groups.size();
    long botCount = bots;

    Outputs outputs = ingest(records);

    // Panes accumulate, so the row with the highest pane index of a window and key is its total.
    PAssert.that(outputs.getAggregates())
        .satisfies(
            rows -> {
              Map<String, Row> finals = new HashMap<>();
              for (Row row : rows) {
                String group =
                    row.getDateTime("window_start").getMillis() / 60_000
                        + " "
                        + row.getString("wiki")
                        + " "
                        + row.getString("type");
                Row seen = finals.get(group);
                if (seen == null || seen.getInt64("pane_index") < row.getInt64("pane_index")) {
                  finals.put(group, row);
                }
              }
              assertEquals(groups, finals.keySet());
              assertEquals(groupCount, finals.size());
              long events = 0;
              long flagged = 0;
              for (Row row : finals.values()) {
                events += row.getInt64("event_count");
                flagged += row.getInt64("bot_count");
              }
              assertEquals(RealEvents.VALID, events);
              assertEquals(botCount, flagged);
              return null;
            });

    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aggregatesOfOneWindowAreExact() {
    List<SourceRecord> records = new ArrayList<>();
    records.add(
        TestEvents.event(1, T0.plus(1_000), "enwiki", "edit", "Alice", false, 100L, 150L).getKey());
    records.add(
        TestEvents.event(2, T0.plus(2_000), "enwiki", "edit", "Bob", true, 200L, 180L).getKey());
    records.add(
        TestEvents.event(3, T0.plus(3_000), "enwiki", "edit", "Alice", false, 10L, 40L).getKey());
    records.add(
        TestEvents.event(4, T0.plus(4_000), "enwiki", "new", "Carol", false, null, 500L).getKey());
    records.add(
        TestEvents.event(5, T0.plus(59_999), "dewiki", "edit", "Alice", false, 0L, 5L).getKey());

    Outputs outputs = ingest(records);

    Schema schema = AggregateEvents.outputSchema(SETTINGS.getContract());
    PAssert.that(outputs.getAggregates())
        .containsInAnyOrder(
            aggregate(schema, "enwiki", "edit", 3, 1, 2, 60L, 50L),
            aggregate(schema, "enwiki", "new", 1, 0, 1, null, null),
            aggregate(schema, "dewiki", "edit", 1, 0, 1, 5L, 5L));
    PAssert.that(outputs.getDeadLetters()).empty();

    pipeline.run().waitUntilFinish();
  }

  private static Row aggregate(
      Schema schema,
      String wiki,
      String type,
      long events,
      long bots,
      long users,
      @Nullable Long bytesSum,
      @Nullable Long bytesMax) {
    return Row.withSchema(schema)
        .addValues(
            FIRST_MINUTE.start().toDateTime(),
            FIRST_MINUTE.end().toDateTime(),
            "ON_TIME",
            0L,
            true,
            wiki,
            type,
            events,
            bots,
            users,
            bytesSum,
            bytesMax)
        .build();
  }

  @Test
  public void eventAfterItsWindowsLatenessIsATsLateDeadLetterWithItsBytes() {
    SourceRecord onTime =
        record(
            1,
            T0.plus(11_000),
            TestEvents.event(1, T0.plus(10_000), "enwiki", "edit", "Alice", false, 1L, 2L)
                .getKey()
                .getValue());
    // Within lateness: the first minute's window ends at 13:01 and takes late events until 13:06.
    SourceRecord late =
        record(
            2,
            T0.plus(Duration.standardMinutes(3)),
            TestEvents.event(2, T0.plus(30_000), "enwiki", "edit", "Bob", false, 1L, 2L)
                .getKey()
                .getValue());
    SourceRecord tooLate =
        record(
            3,
            T0.plus(Duration.standardMinutes(7)),
            TestEvents.event(3, T0.plus(20_000), "enwiki", "edit", "Carol", false, 1L, 2L)
                .getKey()
                .getValue());
    String tooLateId = json(tooLate.getValue()).get("meta").get("id").asText();

    TestStream<SourceRecord> input =
        TestStream.create(sourceCoder())
            .addElements(TimestampedValue.of(onTime, T0.plus(10_000)))
            // The lateness check passes events on after gathering them for a moment.
            .advanceProcessingTime(
                WindowEvents.DEADLINE_CHECK_DELAY.plus(Duration.standardSeconds(1)))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(3)))
            .addElements(TimestampedValue.of(late, T0.plus(30_000)))
            .advanceProcessingTime(WindowEvents.LATE_PANE_DELAY.plus(Duration.standardSeconds(1)))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(7)))
            .addElements(TimestampedValue.of(tooLate, T0.plus(20_000)))
            .advanceWatermarkToInfinity();

    Outputs outputs = IngestPipeline.ingest(pipeline.apply("Records", input), SETTINGS);

    PAssert.that(offsets(outputs.getEvents())).containsInAnyOrder(1L, 2L);
    PCollection<Long> grouped = offsetsAsASinkSeesThem(outputs.getEvents());
    PAssert.that(grouped).inOnTimePane(FIRST_MINUTE).containsInAnyOrder(1L);
    PAssert.that(grouped).inLatePane(FIRST_MINUTE).containsInAnyOrder(2L);
    PAssert.that(outputs.getDeadLetters())
        .satisfies(
            deadLetters -> {
              List<DeadLetter> all = new ArrayList<>();
              deadLetters.forEach(all::add);
              assertEquals(1, all.size());
              DeadLetter d = all.get(0);
              assertEquals("TS_LATE", d.getErrorCode());
              assertEquals("WINDOW", d.getStage());
              assertEquals(tooLateId, d.getEventId());
              assertArrayEquals(tooLate.getValue(), d.getValue());
              assertEquals(tooLate, d.source());
              return null;
            });
    // The too-late event is in no aggregate: the first minute's last total counts two events.
    PAssert.that(
            outputs
                .getAggregates()
                .apply(
                    "AggregatePanes",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            r ->
                                r.getDateTime("window_start").toInstant()
                                    + " "
                                    + r.getString("pane_timing")
                                    + " "
                                    + r.getInt64("pane_index")
                                    + " "
                                    + r.getInt64("event_count"))))
        .containsInAnyOrder(T0 + " ON_TIME 0 1", T0 + " LATE 1 2");

    pipeline.run().waitUntilFinish();
  }
}
