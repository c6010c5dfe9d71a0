package dev.streamy.transforms;

import static dev.streamy.transforms.testing.TestEvents.event;

import dev.streamy.transforms.testing.TestEvents;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class AggregateEventsTest {

  private static final Instant T0 = Instant.parse("2024-08-22T13:00:00Z");
  private static final Instant T1 = T0.plus(Duration.standardMinutes(1));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static TimestampedValue<KV<SourceRecord, Row>> stamped(KV<SourceRecord, Row> e) {
    return TimestampedValue.of(
        e, e.getValue().getDateTime(TestEvents.CONTRACT.eventTimeColumn()).toInstant());
  }

  @Test
  public void computesCountsDistinctUsersAndBytesChangedPerWindowWikiAndType() {
    Schema schema = AggregateEvents.outputSchema(TestEvents.CONTRACT);
    TestStream<KV<SourceRecord, Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(
                stamped(event(1, T0.plus(1_000), "enwiki", "edit", "Alice", false, 100L, 150L)),
                stamped(event(2, T0.plus(2_000), "enwiki", "edit", "Alice", false, 150L, 120L)),
                stamped(event(3, T0.plus(3_000), "enwiki", "edit", "Bot1", true, 10L, 30L)),
                stamped(event(4, T0.plus(4_000), "enwiki", "categorize", "Bob", false, null, null)),
                stamped(event(5, T0.plus(5_000), "dewiki", "edit", "Carol", false, 0L, 7L)),
                stamped(event(6, T1.plus(1_000), "enwiki", "edit", "Dave", false, 5L, 4L)))
            .advanceWatermarkToInfinity();

    PCollection<Row> aggregates =
        pipeline
            .apply(input)
            .apply(Values.create())
            .setRowSchema(TestEvents.CONTRACT.getEventSchema())
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
            .apply(AggregateEvents.of(TestEvents.CONTRACT));

    Instant t2 = T1.plus(Duration.standardMinutes(1));
    PAssert.that(aggregates)
        .containsInAnyOrder(
            // 3 edits, 1 bot, 2 distinct users, bytes +50 -30 +20
            row(schema, T0, T1, "enwiki", "edit", 3, 1, 2, 40L, 50L),
            // lengths absent: no bytes figures
            row(schema, T0, T1, "enwiki", "categorize", 1, 0, 1, null, null),
            row(schema, T0, T1, "dewiki", "edit", 1, 0, 1, 7L, 7L),
            row(schema, T1, t2, "enwiki", "edit", 1, 0, 1, -1L, -1L));
    pipeline.run();
  }

  private static Row row(
      Schema schema,
      Instant start,
      Instant end,
      String wiki,
      String type,
      long count,
      long bots,
      long users,
      Long bytesSum,
      Long bytesMax) {
    return Row.withSchema(schema)
        .addValues(start.toDateTime(), end.toDateTime(), "ON_TIME", 0L, true, wiki, type)
        .addValues(count, bots, users, bytesSum, bytesMax)
        .build();
  }
}
