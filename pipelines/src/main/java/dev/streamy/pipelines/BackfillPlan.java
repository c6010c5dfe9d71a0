package dev.streamy.pipelines;

import dev.streamy.io.BackfillRanges;
import dev.streamy.io.LandedRecords;
import dev.streamy.io.OffsetRange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.joda.time.Duration;

/**
 * What a backfill reads, decided once before it starts: its offset ranges ({@link BackfillRanges}),
 * what the output already holds of them ({@link LandedRecords}, from every sink the run writes),
 * and so the gaps it reads and the event ids it must not add again.
 *
 * <p>The plan has an id, a hash of the gaps: the backfill names its files ({@code
 * events-backfill-<id>-...}) and its sink id ({@code <sinkId>-backfill-<id>}) after it. Published
 * file names are never rewritten, so a backfill needs names of its own beside the stream's; and a
 * retry of a backfill that published nothing plans the same gaps, the same id and so the same
 * names, while one that published some files plans fewer gaps and new names.
 */
public final class BackfillPlan {

  private final List<OffsetRange> ranges;
  private final List<OffsetRange> gaps;
  private final Set<String> landedIds;
  private final long landed;
  private final String id;

  private BackfillPlan(
      List<OffsetRange> ranges, List<OffsetRange> gaps, Set<String> landedIds, long landed) {
    this.ranges = List.copyOf(ranges);
    this.gaps = List.copyOf(gaps);
    this.landedIds = landedIds;
    this.landed = landed;
    this.id = hash(gaps);
  }

  /** Resolves the backfill of {@code settings} against the broker and the outputs it writes. */
  public static BackfillPlan prepare(Settings settings) {
    if (!settings.isBackfill()) {
      throw new IllegalArgumentException("not a backfill: no --startOffsets, --startTime, ...");
    }
    List<OffsetRange> ranges =
        BackfillRanges.resolve(
            settings.getBootstrapServers(),
            settings.getKafkaConfig(),
            settings.getInputTopic(),
            settings.getBackfillStart(),
            settings.getBackfillEnd());
    String idColumn = settings.getContract().eventIdColumn();
    // Event ids are compared with events landed up to one dedupe window (in Kafka time) before
    // the range too: the stream's deduplication would have remembered those.
    List<OffsetRange> idRanges =
        settings.getDedupeWindow().isLongerThan(Duration.ZERO)
            ? BackfillRanges.withLookback(
                settings.getBootstrapServers(),
                settings.getKafkaConfig(),
                ranges,
                java.time.Duration.ofMillis(settings.getDedupeWindow().getMillis()))
            : ranges;
    LandedRecords landed = LandedRecords.none(ranges, idRanges);
    if (settings.getSink().writesParquet()) {
      landed.inParquet(settings.getOutput(), idColumn);
    }
    if (settings.getSink().writesIceberg()) {
      landed.inIceberg(
          settings.getIcebergCatalog(),
          settings.getIcebergNamespace(),
          IngestPipeline.EVENTS_TABLE,
          IngestPipeline.DEAD_LETTERS_TABLE,
          idColumn);
    }
    // Without deduplication (--dedupeWindow=0) the stream keeps every copy, and so does this.
    Set<String> landedIds =
        settings.getDedupeWindow().isLongerThan(Duration.ZERO) ? landed.eventIds() : Set.of();
    return new BackfillPlan(ranges, landed.gaps(), landedIds, landed.landedCount());
  }

  /** One range per partition read, as asked for. */
  public List<OffsetRange> ranges() {
    return ranges;
  }

  /** The parts of {@link #ranges} the output does not hold: what the backfill reads. */
  public List<OffsetRange> gaps() {
    return gaps;
  }

  /** The ids of the events the output holds from {@link #ranges}. */
  public Set<String> landedIds() {
    return landedIds;
  }

  /** How many offsets of {@link #ranges} the output holds (as an event or a dead letter). */
  public long landedCount() {
    return landed;
  }

  /** 10 hex digits naming this plan's gaps. */
  public String id() {
    return id;
  }

  /** The sink id of the backfill's Iceberg commits and DLQ producer. */
  String sinkId(String base) {
    String suffix = "-backfill-" + id;
    return base.substring(0, Math.min(base.length(), 128 - suffix.length())) + suffix;
  }

  /** What the backfill's file names add after their kind: {@code events<label>-<window>-...}. */
  String label() {
    return "-backfill-" + id;
  }

  /** The prefix of the backfill's files of {@code kind} (events, aggregates, dead-letters). */
  String filePrefix(String kind) {
    return kind + label();
  }

  /** One line for the log and the console. */
  public String describe() {
    long asked = ranges.stream().mapToLong(OffsetRange::size).sum();
    long reading = gaps.stream().mapToLong(OffsetRange::size).sum();
    return String.format(
        Locale.ROOT,
        "backfill %s: %,d offsets in %s; %,d already in the output; reading %,d in %,d range%s",
        id,
        asked,
        ranges,
        landed,
        reading,
        gaps.size(),
        gaps.size() == 1 ? "" : "s");
  }

  private static String hash(List<OffsetRange> gaps) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (OffsetRange gap : gaps) {
        sha.update(gap.toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) ';');
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
