package dev.streamy.transforms;

import static dev.streamy.transforms.testing.TestEvents.withId;
import static org.junit.Assert.assertEquals;

import dev.streamy.transforms.testing.TestEvents;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class DeduplicateEventsTest {

  private static final Instant T0 = Instant.parse("2024-08-22T13:00:00Z");
  private static final String A = "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb";
  private static final String B = "97e4dc39-fb32-4774-9c9a-b2caea391c9e";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @Test
  public void keepsOneCopyPerEventIdAndCountsTheRest() {
    TestStream<org.apache.beam.sdk.values.KV<SourceRecord, org.apache.beam.sdk.values.Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(
                TimestampedValue.of(withId(A, 1, T0), T0),
                TimestampedValue.of(withId(B, 2, T0), T0),
                TimestampedValue.of(withId(A, 3, T0), T0))
            .addElements(TimestampedValue.of(withId(A, 4, T0), T0))
            .advanceWatermarkToInfinity();

    PCollection<String> ids =
        pipeline
            .apply(input)
            .apply(DeduplicateEvents.byColumn("meta_id", Duration.standardMinutes(10)))
            .apply(MapElements.into(TypeDescriptors.strings()).via(TestEvents::id));

    PAssert.that(ids).containsInAnyOrder(A, B);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(2L, counter(result, "duplicates_removed"));
  }

  @Test
  public void forgetsAnIdOnceItsMemoryHasPassed() {
    Instant later = T0.plus(Duration.standardMinutes(30));
    TestStream<org.apache.beam.sdk.values.KV<SourceRecord, org.apache.beam.sdk.values.Row>> input =
        TestStream.create(TestEvents.coder())
            .addElements(TimestampedValue.of(withId(A, 1, T0), T0))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(11)))
            .addElements(TimestampedValue.of(withId(A, 2, later), later))
            .addElements(TimestampedValue.of(withId(A, 3, later), later))
            .advanceWatermarkToInfinity();

    PCollection<Long> offsets =
        pipeline
            .apply(input)
            .apply(DeduplicateEvents.byColumn("meta_id", Duration.standardMinutes(10)))
            .apply(MapElements.into(TypeDescriptors.longs()).via(e -> e.getKey().getOffset()));

    // The copy at offset 2 comes after the first copy's memory ran out, so it is kept again;
    // offset 3 repeats offset 2 within its memory.
    PAssert.that(offsets).containsInAnyOrder(1L, 2L);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(1L, counter(result, "duplicates_removed"));
  }

  @Test
  public void boundedInputKeepsTheCopyWithTheLowestOffset() {
    PCollection<Long> offsets =
        pipeline
            .apply(
                org.apache.beam.sdk.transforms.Create.timestamped(
                        TimestampedValue.of(withId(A, 7, T0), T0),
                        TimestampedValue.of(withId(B, 5, T0), T0),
                        TimestampedValue.of(withId(A, 3, T0), T0),
                        TimestampedValue.of(withId(A, 9, T0), T0))
                    .withCoder(TestEvents.coder()))
            .apply(DeduplicateEvents.byColumn("meta_id", Duration.standardMinutes(10)))
            .apply(MapElements.into(TypeDescriptors.longs()).via(e -> e.getKey().getOffset()));

    PAssert.that(offsets).containsInAnyOrder(3L, 5L);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(2L, counter(result, "duplicates_removed"));
  }

  @Test
  public void zeroMemoryTurnsDeduplicationOff() {
    PCollection<Long> offsets =
        pipeline
            .apply(
                org.apache.beam.sdk.transforms.Create.of(withId(A, 1, T0), withId(A, 2, T0))
                    .withCoder(TestEvents.coder()))
            .apply(DeduplicateEvents.byColumn("meta_id", Duration.ZERO))
            .apply(MapElements.into(TypeDescriptors.longs()).via(e -> e.getKey().getOffset()));
    PAssert.that(offsets).containsInAnyOrder(1L, 2L);
    pipeline.run();
  }

  static long counter(PipelineResult result, String name) {
    return result
        .metrics()
        .queryMetrics(
            MetricsFilter.builder()
                .addNameFilter(MetricNameFilter.named(StreamyCounters.NAMESPACE, name))
                .build())
        .getCounters()
        .iterator()
        .next()
        .getAttempted();
  }
}
