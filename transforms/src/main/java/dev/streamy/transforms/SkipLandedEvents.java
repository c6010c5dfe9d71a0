package dev.streamy.transforms;

import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Drops the events whose id an output already holds, as duplicates of those ({@code
 * duplicates_removed}): a backfill's copies of events a stream, or an earlier backfill, landed from
 * other offsets. The ids are few enough to travel with the step: those of the events landed in the
 * backfill's own offset ranges.
 */
public final class SkipLandedEvents
    extends PTransform<PCollection<KV<SourceRecord, Row>>, PCollection<KV<SourceRecord, Row>>> {

  private final String idColumn;
  private final Set<String> landedIds;

  private SkipLandedEvents(String idColumn, Set<String> landedIds) {
    this.idColumn = idColumn;
    this.landedIds = landedIds;
  }

  /** Drops events whose {@code idColumn} is one of {@code landedIds}. */
  public static SkipLandedEvents withIds(String idColumn, Set<String> landedIds) {
    return new SkipLandedEvents(idColumn, Set.copyOf(landedIds));
  }

  @Override
  public PCollection<KV<SourceRecord, Row>> expand(PCollection<KV<SourceRecord, Row>> events) {
    return events
        .apply("DropLandedIds", ParDo.of(new SkipLandedFn(idColumn, landedIds)))
        .setCoder(events.getCoder());
  }

  private static final class SkipLandedFn
      extends DoFn<KV<SourceRecord, Row>, KV<SourceRecord, Row>> {
    private final Counter duplicates = StreamyCounters.counter(StreamyCounters.DUPLICATES_REMOVED);
    private final String idColumn;
    private final Set<String> landedIds;

    SkipLandedFn(String idColumn, Set<String> landedIds) {
      this.idColumn = idColumn;
      this.landedIds = landedIds;
    }

    @ProcessElement
    public void process(
        @Element KV<SourceRecord, Row> event, OutputReceiver<KV<SourceRecord, Row>> out) {
      @Nullable String id = event.getValue().getString(idColumn);
      if (id != null && landedIds.contains(id)) {
        duplicates.inc();
      } else {
        out.output(event);
      }
    }
  }
}
