package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Puts events into fixed event-time windows and turns events that arrive after their window's
 * allowed lateness into {@code TS_LATE} dead letters instead of letting a GroupByKey drop them.
 *
 * <p>Panes: each window emits one ON_TIME pane when the watermark passes its end and then LATE
 * panes, batched by {@link #LATE_PANE_DELAY} of processing time, for late events within the allowed
 * lateness. Events are in discarding mode (each event in exactly one pane); {@link #accumulating()}
 * gives aggregations the same windows in accumulating mode, so that each of their panes holds the
 * window's running total.
 *
 * <p>How "too late" is decided: events first pass a GroupByKey over {@link LatenessWindows},
 * windows stretched to end at {@code windowEnd + allowedLateness}. Its trigger is the watermark's:
 * events that arrive before the runner's input watermark passes the stretched end leave in EARLY
 * panes (gathered for {@link #DEADLINE_CHECK_DELAY} of processing time) or in the ON_TIME pane that
 * the watermark fires; events that arrive after it are in LATE panes: TS_LATE. The runner decides
 * this with its own watermark, once per pane rather than once per event, and the event windows
 * downstream see a watermark no further on, so they never drop an event this step let through.
 */
@AutoValue
public abstract class WindowEvents
    extends PTransform<
        PCollection<KV<SourceRecord, Row>>, WithFailures.Result<PCollection<Row>, DeadLetter>> {

  /** Late events of one window are gathered this long (processing time) into one pane. */
  public static final Duration LATE_PANE_DELAY = Duration.standardSeconds(10);

  /**
   * How long past a window's deadline the lateness check still remembers it. Events later than the
   * deadline plus this are dropped by the runner and counted by its {@code droppedDueToLateness}
   * metric; within it they are TS_LATE dead letters.
   */
  public static final Duration LATE_DATA_HORIZON = Duration.standardDays(7);

  /**
   * How long (processing time) the lateness check gathers the events of one window before passing
   * them on: the latency it adds, traded for one pane per window and shard instead of one per
   * event.
   */
  public static final Duration DEADLINE_CHECK_DELAY = Duration.standardSeconds(1);

  private static final int SHARDS = 16;

  /**
   * Fixed windows of {@code size} accepting late events for {@code allowedLateness}; the event time
   * and id are read from the contract's columns.
   */
  public static WindowEvents of(Duration size, Duration allowedLateness, Contract contract) {
    if (!size.isLongerThan(Duration.ZERO) || allowedLateness.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "Window size must be positive and lateness not negative: "
              + size
              + ", "
              + allowedLateness);
    }
    return new AutoValue_WindowEvents(
        size, allowedLateness, contract.eventTimeColumn(), contract.eventIdColumn());
  }

  abstract Duration getSize();

  abstract Duration getAllowedLateness();

  abstract String getEventTimeColumn();

  abstract String getEventIdColumn();

  /** The event windows in accumulating mode, for aggregations whose panes carry running totals. */
  public Window<Row> accumulating() {
    return eventWindows().accumulatingFiredPanes();
  }

  private Window<Row> eventWindows() {
    return Window.<Row>into(FixedWindows.of(getSize()))
        .triggering(
            AfterWatermark.pastEndOfWindow()
                .withLateFirings(
                    AfterProcessingTime.pastFirstElementInPane().plusDelayOf(LATE_PANE_DELAY)))
        .withAllowedLateness(getAllowedLateness())
        .discardingFiredPanes();
  }

  @Override
  public WithFailures.Result<PCollection<Row>, DeadLetter> expand(
      PCollection<KV<SourceRecord, Row>> events) {
    KvCoder<SourceRecord, Row> eventCoder = (KvCoder<SourceRecord, Row>) events.getCoder();
    Coder<Row> rowCoder = eventCoder.getValueCoder();
    Coder<DeadLetter> deadLetterCoder = DeadLetter.coder();
    String eventTimeColumn = getEventTimeColumn();
    if (events.isBounded() == PCollection.IsBounded.BOUNDED) {
      // Bounded input: the watermark stays before every window until all input is in, so no
      // event can be late and the per-element deadline check is not needed.
      PCollection<Row> windowed =
          events
              .apply("TakeRows", ParDo.of(new RowWithEventTimeFn(eventTimeColumn)))
              .setCoder(rowCoder)
              .apply("AssignEventWindows", eventWindows());
      PCollection<DeadLetter> none =
          events.getPipeline().apply("NoLateEvents", Create.empty(deadLetterCoder));
      return WithFailures.Result.of(windowed, none);
    }
    LatenessWindows deadlines = LatenessWindows.of(getSize(), getAllowedLateness());
    TupleTag<Row> onTime = new TupleTag<>("withinLateness");
    TupleTag<DeadLetter> late = new TupleTag<>("tooLate");
    PCollectionTuple split =
        events
            .apply("KeyByShard", ParDo.of(new KeyByShardFn()))
            .setCoder(KvCoder.of(VarIntCoder.of(), eventCoder))
            .apply(
                "AssignDeadlines",
                Window.<KV<Integer, KV<SourceRecord, Row>>>into(deadlines)
                    .triggering(
                        AfterWatermark.pastEndOfWindow()
                            .withEarlyFirings(gatherFor(DEADLINE_CHECK_DELAY))
                            .withLateFirings(gatherFor(DEADLINE_CHECK_DELAY)))
                    .withAllowedLateness(LATE_DATA_HORIZON)
                    .withTimestampCombiner(TimestampCombiner.EARLIEST)
                    .discardingFiredPanes())
            .apply("GroupBeforeDeadline", GroupByKey.create())
            .apply(
                "SplitTooLate",
                ParDo.of(
                        new SplitTooLateFn(
                            deadlines,
                            getAllowedLateness(),
                            eventTimeColumn,
                            getEventIdColumn(),
                            onTime,
                            late))
                    .withOutputTags(onTime, TupleTagList.of(late)));
    PCollection<Row> windowed =
        split.get(onTime).setCoder(rowCoder).apply("AssignEventWindows", eventWindows());
    // Dead letters of every stage are flattened together, so they leave in the global window.
    PCollection<DeadLetter> tooLate =
        split
            .get(late)
            .setCoder(deadLetterCoder)
            .apply(
                "ReturnToGlobalWindow",
                Window.<DeadLetter>into(new GlobalWindows())
                    .triggering(DefaultTrigger.of())
                    .withAllowedLateness(Duration.ZERO)
                    .discardingFiredPanes());
    return WithFailures.Result.of(windowed, tooLate);
  }

  private static Trigger.OnceTrigger gatherFor(Duration delay) {
    return AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay);
  }

  private static final class RowWithEventTimeFn extends DoFn<KV<SourceRecord, Row>, Row> {
    private final Counter onTime = StreamyCounters.counter(StreamyCounters.EVENTS_WINDOWED);
    private final String eventTimeColumn;

    RowWithEventTimeFn(String eventTimeColumn) {
      this.eventTimeColumn = eventTimeColumn;
    }

    @ProcessElement
    public void process(@Element KV<SourceRecord, Row> event, OutputReceiver<Row> out) {
      onTime.inc();
      out.outputWithTimestamp(
          event.getValue(), event.getValue().getDateTime(eventTimeColumn).toInstant());
    }
  }

  private static final class KeyByShardFn
      extends DoFn<KV<SourceRecord, Row>, KV<Integer, KV<SourceRecord, Row>>> {
    @ProcessElement
    public void process(
        @Element KV<SourceRecord, Row> event,
        OutputReceiver<KV<Integer, KV<SourceRecord, Row>>> out) {
      SourceRecord source = event.getKey();
      int shard =
          Math.floorMod(source.getPartition() * 31 + Long.hashCode(source.getOffset()), SHARDS);
      out.output(KV.of(shard, event));
    }
  }

  private static final class SplitTooLateFn
      extends DoFn<KV<Integer, Iterable<KV<SourceRecord, Row>>>, Row> {
    private final Counter onTime = StreamyCounters.counter(StreamyCounters.EVENTS_WINDOWED);
    private final Counter tooLate =
        StreamyCounters.counter(StreamyCounters.deadLetters(ErrorCode.TS_LATE));
    private final LatenessWindows deadlines;
    private final Duration allowedLateness;
    private final String eventTimeColumn;
    private final String eventIdColumn;
    private final TupleTag<Row> onTimeTag;
    private final TupleTag<DeadLetter> lateTag;

    SplitTooLateFn(
        LatenessWindows deadlines,
        Duration allowedLateness,
        String eventTimeColumn,
        String eventIdColumn,
        TupleTag<Row> onTimeTag,
        TupleTag<DeadLetter> lateTag) {
      this.deadlines = deadlines;
      this.allowedLateness = allowedLateness;
      this.eventTimeColumn = eventTimeColumn;
      this.eventIdColumn = eventIdColumn;
      this.onTimeTag = onTimeTag;
      this.lateTag = lateTag;
    }

    /**
     * Events leave with their own event time. The grouping gave the pane a timestamp no earlier
     * than the watermark, which can be later than an allowed-late event's time, so moving back must
     * be allowed; the event windows downstream then judge lateness by the real event time.
     */
    @Override
    @SuppressWarnings("deprecation")
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<SourceRecord, Row>>> group,
        PaneInfo pane,
        MultiOutputReceiver out) {
      // EARLY and ON_TIME panes hold events that arrived before the deadline passed.
      boolean withinLateness = pane.getTiming() != PaneInfo.Timing.LATE;
      for (KV<SourceRecord, Row> event : group.getValue()) {
        Instant eventTime = event.getValue().getDateTime(eventTimeColumn).toInstant();
        if (withinLateness) {
          onTime.inc();
          out.get(onTimeTag).outputWithTimestamp(event.getValue(), eventTime);
        } else {
          tooLate.inc();
          IntervalWindow window = deadlines.realWindow(eventTime);
          out.get(lateTag)
              .output(
                  DeadLetter.of(event.getKey(), Stage.WINDOW, ErrorCode.TS_LATE)
                      .setEventId(event.getValue().getString(eventIdColumn))
                      .setMessage(
                          "Event time "
                              + eventTime
                              + " belongs to window ["
                              + window.start()
                              + ", "
                              + window.end()
                              + ") which stopped accepting late events "
                              + allowedLateness
                              + " after its end")
                      .build());
        }
      }
    }
  }
}
