package dev.streamy.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What an output already holds of a backfill's offset ranges: the source coordinates of its events
 * and dead letters there, and the event ids of those events. A backfill reads only the rest ({@link
 * #gaps}) and drops events whose id is among those ({@link #eventIds}), so that running it over
 * what a stream or an earlier backfill landed adds nothing, and over a gap adds exactly the gap.
 *
 * <p>Event ids are collected a little wider ({@link #none(List, List)}): a re-sent event whose
 * first copy landed shortly before the range is a duplicate too.
 *
 * <p>Parquet: every published file under {@code events/} and {@code dead-letters/} (never a hidden
 * one: temporary and in-progress files have a {@code /.} in their path), reading only the
 * coordinate and id columns of the row groups whose statistics overlap the ranges. Iceberg: a scan
 * of the {@code events} and {@code dead_letters} tables' coordinate columns, filtered on the ranges
 * so that Iceberg prunes by its file statistics. Aggregates carry no coordinates and are not read.
 */
public final class LandedRecords {

  /** Per {@code topic/partition}: its range, and which of its offsets are landed. */
  private final Map<String, OffsetRange> ranges = new HashMap<>();

  /** Per {@code topic/partition}: where the ids of landed events are collected. */
  private final Map<String, OffsetRange> idRanges = new HashMap<>();

  private final Map<String, BitSet> landed = new HashMap<>();
  private final Set<String> eventIds = new HashSet<>();

  private LandedRecords(List<OffsetRange> ranges, List<OffsetRange> idRanges) {
    for (OffsetRange range : ranges) {
      if (range.size() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "a backfill of over 2^31 offsets of one partition: split it, " + range);
      }
      String key = range.getTopic() + "/" + range.getPartition();
      if (this.ranges.put(key, range) != null) {
        throw new IllegalArgumentException("two ranges of one partition: " + key);
      }
      landed.put(key, new BitSet());
      this.idRanges.put(key, range);
    }
    for (OffsetRange range : idRanges) {
      String key = range.getTopic() + "/" + range.getPartition();
      OffsetRange own = this.ranges.get(key);
      if (own == null || range.getStart() > own.getStart() || range.getEnd() < own.getEnd()) {
        throw new IllegalArgumentException(range + " does not hold the range of its partition");
      }
      this.idRanges.put(key, range);
    }
  }

  /** Nothing landed yet, for {@code ranges} (one per partition). */
  public static LandedRecords none(List<OffsetRange> ranges) {
    return new LandedRecords(ranges, List.of());
  }

  /**
   * As {@link #none(List)}, also collecting the ids of the events landed in {@code idRanges}: the
   * ranges, some started earlier (see {@link BackfillRanges#withLookback}).
   */
  public static LandedRecords none(List<OffsetRange> ranges, List<OffsetRange> idRanges) {
    return new LandedRecords(ranges, idRanges);
  }

  /**
   * What the Parquet files under {@code output} ({@code events/} and {@code dead-letters/}) hold of
   * {@code ranges}; {@code eventIdColumn} is the events' id column.
   */
  public LandedRecords inParquet(String output, String eventIdColumn) {
    readParquetFolder(output + "/events", eventIdColumn);
    readParquetFolder(output + "/dead-letters", null);
    return this;
  }

  /** What the tables {@code events} and {@code deadLetters} of {@code namespace} hold. */
  public LandedRecords inIceberg(
      IcebergCatalogSettings catalogSettings,
      String namespace,
      String events,
      String deadLetters,
      String eventIdColumn) {
    Catalog catalog = catalogSettings.toBeamConfig().catalog();
    readTable(catalog, TableIdentifier.of(namespace, events), eventIdColumn);
    readTable(catalog, TableIdentifier.of(namespace, deadLetters), null);
    return this;
  }

  /** How many offsets of the ranges are landed. */
  public long landedCount() {
    return landed.values().stream().mapToLong(BitSet::cardinality).sum();
  }

  /** The event ids of the landed events. */
  public Set<String> eventIds() {
    return Set.copyOf(eventIds);
  }

  /** The parts of the ranges not landed, in order: what a backfill reads. */
  public List<OffsetRange> gaps() {
    List<OffsetRange> gaps = new ArrayList<>();
    ranges.forEach(
        (key, range) -> {
          BitSet held = landed.get(key);
          int size = (int) range.size();
          int from = held.nextClearBit(0);
          while (from < size) {
            int to = Math.min(size, held.nextSetBit(from) < 0 ? size : held.nextSetBit(from));
            gaps.add(
                OffsetRange.of(
                    range.getTopic(),
                    range.getPartition(),
                    range.getStart() + from,
                    range.getStart() + to));
            from = held.nextClearBit(to);
          }
        });
    gaps.sort(
        java.util.Comparator.comparing(OffsetRange::getTopic)
            .thenComparingInt(OffsetRange::getPartition)
            .thenComparingLong(OffsetRange::getStart));
    return gaps;
  }

  /**
   * Marks {@code offset} landed when it lies in a range; returns whether its event id is wanted (it
   * lies in an id range).
   */
  boolean add(String topic, int partition, long offset) {
    String key = topic + "/" + partition;
    OffsetRange range = ranges.get(key);
    if (range == null) {
      return false;
    }
    if (range.contains(offset)) {
      landed.get(key).set((int) (offset - range.getStart()));
    }
    return idRanges.get(key).contains(offset);
  }

  private boolean mayHold(long minPartition, long maxPartition, long minOffset, long maxOffset) {
    for (OffsetRange range : idRanges.values()) {
      if (range.getPartition() >= minPartition
          && range.getPartition() <= maxPartition
          && range.getStart() <= maxOffset
          && range.getEnd() > minOffset) {
        return true;
      }
    }
    return false;
  }

  private void readParquetFolder(String folder, @Nullable String idColumn) {
    try {
      MatchResult match = FileSystems.match(folder + "/**", EmptyMatchTreatment.ALLOW_IF_WILDCARD);
      if (match.status() != MatchResult.Status.OK) {
        return; // no folder yet: nothing landed
      }
      for (Metadata file : match.metadata()) {
        String path = file.resourceId().toString();
        if (!path.endsWith(".parquet") || path.contains("/.")) {
          continue;
        }
        ParquetFiles.readCoordinates(
            file.resourceId(),
            file.sizeBytes(),
            idColumn,
            this::mayHold,
            (topic, partition, offset, id) -> {
              if (add(topic, partition, offset) && id != null) {
                eventIds.add(id);
              }
            });
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading what " + folder + " holds", e);
    }
  }

  private void readTable(Catalog catalog, TableIdentifier id, @Nullable String idColumn) {
    if (!catalog.tableExists(id)) {
      return;
    }
    Table table = catalog.loadTable(id);
    if (table.currentSnapshot() == null) {
      return;
    }
    List<String> names = new ArrayList<>();
    table.schema().columns().forEach(field -> names.add(field.name()));
    String[] columns = SourceOffsets.Columns.namesAmong(names);
    if (columns == null) {
      throw new IllegalStateException("table " + id + " has no source coordinate columns");
    }
    List<String> selected = new ArrayList<>(List.of(columns));
    boolean withId = idColumn != null && names.contains(idColumn);
    if (withId) {
      selected.add(idColumn);
    }
    Expression filter = Expressions.alwaysFalse();
    for (OffsetRange range : idRanges.values()) {
      filter =
          Expressions.or(
              filter,
              Expressions.and(
                  Expressions.and(
                      Expressions.equal(columns[0], range.getTopic()),
                      Expressions.equal(columns[1], range.getPartition())),
                  Expressions.and(
                      Expressions.greaterThanOrEqual(columns[2], range.getStart()),
                      Expressions.lessThan(columns[2], range.getEnd()))));
    }
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table).select(selected).where(filter).build()) {
      for (Record row : rows) {
        Object topic = row.getField(columns[0]);
        Object partition = row.getField(columns[1]);
        Object offset = row.getField(columns[2]);
        if (topic != null
            && partition != null
            && offset != null
            && add(topic.toString(), ((Number) partition).intValue(), ((Number) offset).longValue())
            && withId
            && row.getField(idColumn) != null) {
          eventIds.add(row.getField(idColumn).toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading what table " + id + " holds", e);
    }
  }
}
