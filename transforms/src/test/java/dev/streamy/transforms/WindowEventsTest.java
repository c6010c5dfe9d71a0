package dev.streamy.transforms;

import static dev.streamy.transforms.testing.TestEvents.event;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import dev.streamy.transforms.testing.TestEvents;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithFailures;
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

/** One TestStream per lateness case: on time, late within the allowed lateness, too late. */
public class WindowEventsTest {

  private static final Instant T0 = Instant.parse("2024-08-22T13:00:00Z");
  private static final IntervalWindow FIRST_MINUTE =
      new IntervalWindow(T0, T0.plus(Duration.standardMinutes(1)));
  private static final Duration LATENESS = Duration.standardMinutes(5);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static KV<SourceRecord, Row> at(long offset, Instant time) {
    return event(offset, time, "enwiki", "edit", "user" + offset, false, 100L, 150L);
  }

  private static TimestampedValue<KV<SourceRecord, Row>> stamped(KV<SourceRecord, Row> e) {
    return TimestampedValue.of(
        e, e.getValue().getDateTime(TestEvents.CONTRACT.eventTimeColumn()).toInstant());
  }

  private WithFailures.Result<PCollection<Row>, DeadLetter> window(
      TestStream<KV<SourceRecord, Row>> input) {
    return pipeline
        .apply(input)
        .apply(WindowEvents.of(Duration.standardMinutes(1), LATENESS, TestEvents.CONTRACT));
  }

  /**
   * The offsets of the events as a sink sees them: panes are made by the next grouping (elements
   * carry the pane of the last GroupByKey until then), so group once, as FileIO and the aggregation
   * do.
   */
  private static PCollection<Long> offsets(PCollection<Row> rows) {
    return rows.apply(
            "Offsets",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via(r -> KV.of("all", r.getInt64(Contract.OFFSET_COLUMN))))
        .apply("GroupAsASinkWould", GroupByKey.create())
        .apply("Ungroup", Values.create())
        .apply("Flatten", Flatten.iterables());
  }

  @Test
  public void onTimeEventsComeOutInTheOnTimePane() {
    TestStream<KV<SourceRecord, Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(stamped(at(1, T0.plus(10_000))), stamped(at(2, T0.plus(50_000))))
            .addElements(stamped(at(3, T0.plus(70_000))))
            .advanceWatermarkToInfinity();

    WithFailures.Result<PCollection<Row>, DeadLetter> result = window(input);

    PCollection<Long> offsets = offsets(result.output());
    PAssert.that(offsets).inOnTimePane(FIRST_MINUTE).containsInAnyOrder(1L, 2L);
    PAssert.that(offsets)
        .inOnTimePane(new IntervalWindow(FIRST_MINUTE.end(), Duration.standardMinutes(1)))
        .containsInAnyOrder(3L);
    PAssert.that(result.failures()).empty();
    pipeline.run();
  }

  @Test
  public void lateEventWithinAllowedLatenessComesOutInALatePane() {
    TestStream<KV<SourceRecord, Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(stamped(at(1, T0.plus(10_000))))
            // The lateness check passes events on after gathering them for a moment.
            .advanceProcessingTime(
                WindowEvents.DEADLINE_CHECK_DELAY.plus(Duration.standardSeconds(1)))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(3)))
            .addElements(stamped(at(2, T0.plus(20_000))))
            .advanceProcessingTime(WindowEvents.LATE_PANE_DELAY.plus(Duration.standardSeconds(1)))
            .advanceWatermarkToInfinity();

    WithFailures.Result<PCollection<Row>, DeadLetter> result = window(input);

    PCollection<Long> offsets = offsets(result.output());
    PAssert.that(offsets).inOnTimePane(FIRST_MINUTE).containsInAnyOrder(1L);
    PAssert.that(offsets).inLatePane(FIRST_MINUTE).containsInAnyOrder(2L);
    PAssert.that(result.failures()).empty();
    pipeline.run();
  }

  @Test
  public void eventLaterThanAllowedLatenessBecomesATsLateDeadLetterWithItsBytes() {
    KV<SourceRecord, Row> tooLate = at(2, T0.plus(20_000));
    TestStream<KV<SourceRecord, Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(stamped(at(1, T0.plus(10_000))))
            // The first minute's window ends at 13:01; with 5 minutes of lateness it closes at
            // 13:06. The watermark passes that before the event arrives.
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(7)))
            .addElements(stamped(tooLate))
            .advanceWatermarkToInfinity();

    WithFailures.Result<PCollection<Row>, DeadLetter> result = window(input);

    PAssert.that(offsets(result.output())).inOnTimePane(FIRST_MINUTE).containsInAnyOrder(1L);
    PAssert.that(result.failures())
        .satisfies(
            deadLetters -> {
              List<DeadLetter> all =
                  StreamSupport.stream(deadLetters.spliterator(), false)
                      .collect(Collectors.toList());
              assertEquals(1, all.size());
              DeadLetter late = all.get(0);
              assertEquals("TS_LATE", late.getErrorCode());
              assertEquals("WINDOW", late.getStage());
              assertEquals(2L, late.getOffset());
              assertEquals(TestEvents.id(tooLate), late.getEventId());
              assertArrayEquals(tooLate.getKey().getValue(), late.getValue());
              return null;
            });
    pipeline.run();
  }

  @Test
  public void eventJustBeforeTheDeadlineIsStillAccepted() {
    TestStream<KV<SourceRecord, Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(stamped(at(1, T0.plus(10_000))))
            // The lateness check passes events on after gathering them for a moment.
            .advanceProcessingTime(
                WindowEvents.DEADLINE_CHECK_DELAY.plus(Duration.standardSeconds(1)))
            // One millisecond before 13:06, the first minute still takes late events.
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(6)).minus(2))
            .addElements(stamped(at(2, T0.plus(20_000))))
            .advanceProcessingTime(WindowEvents.LATE_PANE_DELAY.plus(Duration.standardSeconds(1)))
            .advanceWatermarkToInfinity();

    WithFailures.Result<PCollection<Row>, DeadLetter> result = window(input);

    PAssert.that(offsets(result.output())).inLatePane(FIRST_MINUTE).containsInAnyOrder(2L);
    PAssert.that(result.failures()).empty();
    pipeline.run();
  }
}
