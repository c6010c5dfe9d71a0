package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops repeated events by event id, remembering each id for a bounded span of event time after its
 * first copy. Every dropped copy is counted ({@code duplicates_removed}); the first copy to arrive
 * is kept. Runs in the global window, before windowing, so no copy is ever dropped for lateness
 * here.
 */
@AutoValue
public abstract class DeduplicateEvents
    extends PTransform<PCollection<KV<SourceRecord, Row>>, PCollection<KV<SourceRecord, Row>>> {

  /** Groups used to find the copies in bounded input. */
  private static final int BOUNDED_GROUPS = 64;

  /** Deduplicates on {@code idColumn}, remembering ids for {@code memory} of event time. */
  public static DeduplicateEvents byColumn(String idColumn, Duration memory) {
    if (memory.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("Deduplication memory must not be negative: " + memory);
    }
    return new AutoValue_DeduplicateEvents(idColumn, memory);
  }

  abstract String getIdColumn();

  abstract Duration getMemory();

  @Override
  public PCollection<KV<SourceRecord, Row>> expand(PCollection<KV<SourceRecord, Row>> events) {
    Duration memory = getMemory();
    if (memory.equals(Duration.ZERO)) {
      return events;
    }
    Coder<KV<SourceRecord, Row>> coder = events.getCoder();
    PCollection<KV<String, KV<SourceRecord, Row>>> byId =
        events
            .apply(
                "KeyByEventId",
                WithKeys.of(new EventIdFn(getIdColumn())).withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), coder));
    if (events.isBounded() == PCollection.IsBounded.BOUNDED) {
      // Bounded input: the watermark stays before every id's memory until all input is in, so
      // every copy in the input is a duplicate. Grouping by a hash of the id (a few keys, not one
      // per id) finds them without a timer per id; the runner sees few large groups.
      return byId.apply("KeyByIdShard", ParDo.of(new IdShardFn()))
          .setCoder(
              KvCoder.of(
                  VarIntCoder.of(),
                  KvCoder.of(
                      StringUtf8Coder.of(), TimestampedValue.TimestampedValueCoder.of(coder))))
          // The group's timestamp and watermark hold are its earliest copy's, so every event
          // leaves with its own (later or equal) timestamp without falling behind the watermark.
          .apply(
              "HoldEarliestTime",
              Window.<KV<Integer, KV<String, TimestampedValue<KV<SourceRecord, Row>>>>>configure()
                  .withTimestampCombiner(TimestampCombiner.EARLIEST))
          .apply("GroupCopies", GroupByKey.create())
          .apply("KeepLowestOffset", ParDo.of(new KeepLowestOffsetFn()))
          .setCoder(coder);
    }
    return byId.apply("KeepFirstCopy", ParDo.of(new KeepFirstFn(memory))).setCoder(coder);
  }

  /** Spreads ids over a fixed number of groups, keeping each copy's own timestamp. */
  private static final class IdShardFn
      extends DoFn<
          KV<String, KV<SourceRecord, Row>>,
          KV<Integer, KV<String, TimestampedValue<KV<SourceRecord, Row>>>>> {
    @ProcessElement
    public void process(
        @Element KV<String, KV<SourceRecord, Row>> copy,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<Integer, KV<String, TimestampedValue<KV<SourceRecord, Row>>>>> out) {
      out.output(
          KV.of(
              Math.floorMod(copy.getKey().hashCode(), BOUNDED_GROUPS),
              KV.of(copy.getKey(), TimestampedValue.of(copy.getValue(), timestamp))));
    }
  }

  /**
   * Keeps, per id, the copy read first from Kafka (lowest partition, then offset), so the result
   * does not depend on the order the runner delivers copies in.
   */
  private static final class KeepLowestOffsetFn
      extends DoFn<
          KV<Integer, Iterable<KV<String, TimestampedValue<KV<SourceRecord, Row>>>>>,
          KV<SourceRecord, Row>> {
    private final Counter duplicates = StreamyCounters.counter(StreamyCounters.DUPLICATES_REMOVED);
    private final Counter kept = StreamyCounters.counter(StreamyCounters.EVENTS_UNIQUE);

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, TimestampedValue<KV<SourceRecord, Row>>>>> group,
        OutputReceiver<KV<SourceRecord, Row>> out) {
      Map<String, TimestampedValue<KV<SourceRecord, Row>>> first = new HashMap<>();
      for (KV<String, TimestampedValue<KV<SourceRecord, Row>>> copy : group.getValue()) {
        first.merge(
            copy.getKey(),
            copy.getValue(),
            (a, b) -> {
              duplicates.inc();
              return BY_COORDINATES.compare(a.getValue().getKey(), b.getValue().getKey()) <= 0
                  ? a
                  : b;
            });
      }
      for (TimestampedValue<KV<SourceRecord, Row>> event : first.values()) {
        kept.inc();
        out.outputWithTimestamp(event.getValue(), event.getTimestamp());
      }
    }
  }

  private static final Comparator<SourceRecord> BY_COORDINATES =
      Comparator.comparing(SourceRecord::getTopic)
          .thenComparingInt(SourceRecord::getPartition)
          .thenComparingLong(SourceRecord::getOffset);

  private static final class EventIdFn
      implements org.apache.beam.sdk.transforms.SerializableFunction<
          KV<SourceRecord, Row>, String> {
    private final String idColumn;

    EventIdFn(String idColumn) {
      this.idColumn = idColumn;
    }

    @Override
    public String apply(KV<SourceRecord, Row> event) {
      @Nullable String id = event.getValue().getString(idColumn);
      // Validated events always carry their id; fall back to the coordinates to stay total.
      return id != null ? id : event.getKey().coordinates();
    }
  }

  private static final class KeepFirstFn
      extends DoFn<KV<String, KV<SourceRecord, Row>>, KV<SourceRecord, Row>> {
    private final Counter duplicates = StreamyCounters.counter(StreamyCounters.DUPLICATES_REMOVED);
    private final Counter kept = StreamyCounters.counter(StreamyCounters.EVENTS_UNIQUE);
    private final Duration memory;

    @StateId("seen")
    private final StateSpec<ValueState<Boolean>> seenSpec = StateSpecs.value();

    @TimerId("forget")
    private final TimerSpec forgetSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    KeepFirstFn(Duration memory) {
      this.memory = memory;
    }

    @ProcessElement
    public void process(
        @Element KV<String, KV<SourceRecord, Row>> element,
        @Timestamp Instant timestamp,
        @StateId("seen") ValueState<Boolean> seen,
        @TimerId("forget") Timer forget,
        OutputReceiver<KV<SourceRecord, Row>> out) {
      if (Boolean.TRUE.equals(seen.read())) {
        duplicates.inc();
        return;
      }
      seen.write(true);
      forget.set(timestamp.plus(memory));
      kept.inc();
      out.output(element.getValue());
    }

    @OnTimer("forget")
    public void onForget(@StateId("seen") ValueState<Boolean> seen) {
      seen.clear();
    }
  }
}
