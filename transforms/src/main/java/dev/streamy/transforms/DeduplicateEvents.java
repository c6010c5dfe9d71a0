package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.MapState;
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

  /**
   * Buckets of remembered ids in a stream: enough to spread over any parallelism (Flink's key
   * groups), few enough that a bucket's sweep looks at many ids at once.
   */
  private static final int STREAMING_BUCKETS = 4096;

  /** How often, in event time, a bucket forgets the ids whose memory has passed. */
  private static final Duration SWEEP = Duration.standardMinutes(1);

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
    return byId.apply("KeyByIdBucket", ParDo.of(new BucketFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), coder)))
        .apply("KeepFirstCopy", ParDo.of(new KeepFirstFn(memory)))
        .setCoder(coder);
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

  /**
   * Streaming: remembers each id, with the event time until which it is remembered, in a map per
   * bucket of ids (a hash of the id), and forgets expired ids with one timer per bucket, rounded up
   * to {@link #SWEEP}, instead of one timer per id. Flink keeps a timer per id as several objects
   * and copies (its timer queue, Beam's pending-timer map): about 220 bytes of checkpoint per id;
   * an entry of a bucket's map is its id and a number. An id may be remembered up to {@link #SWEEP}
   * longer than the memory asks, never shorter.
   */
  private static final class KeepFirstFn
      extends DoFn<KV<Integer, KV<String, KV<SourceRecord, Row>>>, KV<SourceRecord, Row>> {
    private final Counter duplicates = StreamyCounters.counter(StreamyCounters.DUPLICATES_REMOVED);
    private final Counter kept = StreamyCounters.counter(StreamyCounters.EVENTS_UNIQUE);
    private final Duration memory;

    /** Id to the end of its memory (event-time millis). */
    @StateId("ids")
    private final StateSpec<MapState<String, Long>> idsSpec =
        StateSpecs.map(StringUtf8Coder.of(), VarLongCoder.of());

    /** When the bucket's sweep timer is set to fire, if it is. */
    @StateId("sweepAt")
    private final StateSpec<ValueState<Long>> sweepAtSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("sweep")
    private final TimerSpec sweepSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    KeepFirstFn(Duration memory) {
      this.memory = memory;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, KV<String, KV<SourceRecord, Row>>> element,
        @Timestamp Instant timestamp,
        @StateId("ids") MapState<String, Long> ids,
        @AlwaysFetched @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep,
        OutputReceiver<KV<SourceRecord, Row>> out) {
      String id = element.getValue().getKey();
      if (ids.get(id).read() != null) {
        duplicates.inc();
        return;
      }
      long until = timestamp.plus(memory).getMillis();
      ids.put(id, until);
      long at = roundUp(until);
      Long current = sweepAt.read();
      if (current == null || at < current) {
        sweep.set(new Instant(at));
        sweepAt.write(at);
      }
      kept.inc();
      out.output(element.getValue().getValue());
    }

    /** Forgets the bucket's ids whose memory has passed, and sets the next sweep. */
    @OnTimer("sweep")
    public void onSweep(
        OnTimerContext context,
        @StateId("ids") MapState<String, Long> ids,
        @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep) {
      long now = context.timestamp().getMillis();
      List<String> expired = new ArrayList<>();
      long next = Long.MAX_VALUE;
      for (Map.Entry<String, Long> entry : ids.entries().read()) {
        if (entry.getValue() <= now) {
          expired.add(entry.getKey());
        } else {
          next = Math.min(next, entry.getValue());
        }
      }
      expired.forEach(ids::remove);
      if (next == Long.MAX_VALUE) {
        sweepAt.clear();
      } else {
        long at = Math.max(roundUp(next), now + 1);
        sweep.set(new Instant(at));
        sweepAt.write(at);
      }
    }

    private static long roundUp(long millis) {
      long sweep = SWEEP.getMillis();
      return Math.floorDiv(millis + sweep - 1, sweep) * sweep;
    }
  }

  /** Spreads ids over {@link #STREAMING_BUCKETS} buckets, each with its map of remembered ids. */
  private static final class BucketFn
      extends DoFn<
          KV<String, KV<SourceRecord, Row>>, KV<Integer, KV<String, KV<SourceRecord, Row>>>> {
    @ProcessElement
    public void process(
        @Element KV<String, KV<SourceRecord, Row>> copy,
        OutputReceiver<KV<Integer, KV<String, KV<SourceRecord, Row>>>> out) {
      out.output(KV.of(Math.floorMod(copy.getKey().hashCode(), STREAMING_BUCKETS), copy));
    }
  }
}
