package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.util.Comparator;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
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
      // every copy in the input is a duplicate. A combine per id keeps the first copy and counts
      // the rest; runners combine partially before the shuffle and sort rather than hold groups,
      // so memory does not grow with the input.
      TimestampedValue.TimestampedValueCoder<KV<SourceRecord, Row>> timestamped =
          TimestampedValue.TimestampedValueCoder.of(coder);
      return byId.apply("StampCopies", ParDo.of(new StampCopyFn()))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), timestamped))
          // The result's timestamp and watermark hold are its earliest copy's, so the kept copy
          // leaves with its own (later or equal) timestamp without falling behind the watermark.
          .apply(
              "HoldEarliestTime",
              Window.<KV<String, TimestampedValue<KV<SourceRecord, Row>>>>configure()
                  .withTimestampCombiner(TimestampCombiner.EARLIEST))
          .apply("CombineCopies", Combine.perKey(new FirstCopyFn(timestamped)))
          .apply("KeepLowestOffset", ParDo.of(new KeepLowestOffsetFn()))
          .setCoder(coder);
    }
    return byId.apply("KeepFirstCopy", ParDo.of(new KeepFirstFn(memory))).setCoder(coder);
  }

  /** Keeps each copy's own timestamp with it through the combine. */
  private static final class StampCopyFn
      extends DoFn<
          KV<String, KV<SourceRecord, Row>>, KV<String, TimestampedValue<KV<SourceRecord, Row>>>> {
    @ProcessElement
    public void process(
        @Element KV<String, KV<SourceRecord, Row>> copy,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<String, TimestampedValue<KV<SourceRecord, Row>>>> out) {
      out.output(KV.of(copy.getKey(), TimestampedValue.of(copy.getValue(), timestamp)));
    }
  }

  /**
   * The copies of one id: how many, and the one read first from Kafka (lowest partition, then
   * offset), so the result does not depend on the order the runner delivers copies in.
   */
  static final class FirstCopyFn
      extends Combine.CombineFn<
          TimestampedValue<KV<SourceRecord, Row>>,
          KV<Long, TimestampedValue<KV<SourceRecord, Row>>>,
          KV<Long, TimestampedValue<KV<SourceRecord, Row>>>> {
    private final Coder<TimestampedValue<KV<SourceRecord, Row>>> copyCoder;

    FirstCopyFn(Coder<TimestampedValue<KV<SourceRecord, Row>>> copyCoder) {
      this.copyCoder = copyCoder;
    }

    @Override
    public KV<Long, TimestampedValue<KV<SourceRecord, Row>>> createAccumulator() {
      return KV.of(0L, null);
    }

    @Override
    public KV<Long, TimestampedValue<KV<SourceRecord, Row>>> addInput(
        KV<Long, TimestampedValue<KV<SourceRecord, Row>>> copies,
        TimestampedValue<KV<SourceRecord, Row>> copy) {
      return KV.of(copies.getKey() + 1, first(copies.getValue(), copy));
    }

    @Override
    public KV<Long, TimestampedValue<KV<SourceRecord, Row>>> mergeAccumulators(
        Iterable<KV<Long, TimestampedValue<KV<SourceRecord, Row>>>> all) {
      long count = 0;
      TimestampedValue<KV<SourceRecord, Row>> first = null;
      for (KV<Long, TimestampedValue<KV<SourceRecord, Row>>> copies : all) {
        count += copies.getKey();
        first = first(first, copies.getValue());
      }
      return KV.of(count, first);
    }

    @Override
    public KV<Long, TimestampedValue<KV<SourceRecord, Row>>> extractOutput(
        KV<Long, TimestampedValue<KV<SourceRecord, Row>>> copies) {
      return copies;
    }

    private static @Nullable TimestampedValue<KV<SourceRecord, Row>> first(
        @Nullable TimestampedValue<KV<SourceRecord, Row>> a,
        @Nullable TimestampedValue<KV<SourceRecord, Row>> b) {
      if (a == null || b == null) {
        return a == null ? b : a;
      }
      return BY_COORDINATES.compare(a.getValue().getKey(), b.getValue().getKey()) <= 0 ? a : b;
    }

    @Override
    public Coder<KV<Long, TimestampedValue<KV<SourceRecord, Row>>>> getAccumulatorCoder(
        CoderRegistry registry, Coder<TimestampedValue<KV<SourceRecord, Row>>> inputCoder) {
      return KvCoder.of(VarLongCoder.of(), NullableCoder.of(copyCoder));
    }

    @Override
    public Coder<KV<Long, TimestampedValue<KV<SourceRecord, Row>>>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<TimestampedValue<KV<SourceRecord, Row>>> inputCoder) {
      return KvCoder.of(VarLongCoder.of(), NullableCoder.of(copyCoder));
    }
  }

  /** Emits the first copy of each id with its own timestamp and counts the others. */
  private static final class KeepLowestOffsetFn
      extends DoFn<
          KV<String, KV<Long, TimestampedValue<KV<SourceRecord, Row>>>>, KV<SourceRecord, Row>> {
    private final Counter duplicates = StreamyCounters.counter(StreamyCounters.DUPLICATES_REMOVED);
    private final Counter kept = StreamyCounters.counter(StreamyCounters.EVENTS_UNIQUE);

    @ProcessElement
    public void process(
        @Element KV<String, KV<Long, TimestampedValue<KV<SourceRecord, Row>>>> id,
        OutputReceiver<KV<SourceRecord, Row>> out) {
      TimestampedValue<KV<SourceRecord, Row>> first = id.getValue().getValue();
      duplicates.inc(id.getValue().getKey() - 1);
      kept.inc();
      out.outputWithTimestamp(first.getValue(), first.getTimestamp());
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
