package dev.streamy.io;

import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the data files {@link WriteIcebergFilesFn} wrote to one Iceberg table, each file exactly
 * once, whatever the runner replays.
 *
 * <p>A batch reaches the committer past the runner's stable-input boundary (on Flink, once the
 * checkpoint that holds it has completed). Before appending, the committer re-reads the table and
 * walks the current snapshot's ancestry back to the oldest file's closing time (less {@link
 * #CLOCK_SKEW_MILLIS}), collecting the data files this sink's appends added; a file found there is
 * already committed and is left out. Only the rest is appended, in one snapshot whose summary
 * records the sink id ({@value #SINK_ID}), the sink's batch count ({@value #BATCH}) and the Kafka
 * offsets its rows came from ({@value #SOURCE_OFFSETS}). Data file names are unique to the writer
 * that made them, so a file is committed at most once, even when a restored job replays a batch, or
 * regroups replayed files with new ones. When snapshot expiry has cut the ancestry short of that
 * time, every manifest the table still has is searched instead.
 *
 * <p>Idempotency by file rather than by a batch number: on Flink, Beam's stable-input buffer can
 * release a batch before a later restore point covers it (seen here: after a restore, a job
 * numbered new batches with numbers an earlier attempt had used), and a number would then skip
 * files that were never committed.
 */
final class IcebergCommitter {

  /** Snapshot summary key: the sink that committed the snapshot. */
  static final String SINK_ID = "streamy.sink-id";

  /**
   * Snapshot summary key: how many batches the sink has committed to the table, this one included.
   */
  static final String BATCH = "streamy.batch";

  /**
   * Snapshot summary key: the Kafka offsets the rows this snapshot appended came from, as {@link
   * SourceOffsets} JSON; absent for rows without source coordinates (aggregates).
   */
  static final String SOURCE_OFFSETS = "streamy.source-offsets";

  /** How far clocks may differ between the writers and the catalog. */
  static final long CLOCK_SKEW_MILLIS = 10 * 60 * 1000L;

  private static final Logger LOG = LoggerFactory.getLogger(IcebergCommitter.class);

  private IcebergCommitter() {}

  /**
   * The {@value #BATCH} of the newest snapshot of the current ancestry {@code sinkId} made, or 0.
   */
  static long batchesCommitted(Table table, String sinkId) {
    for (Snapshot snapshot = table.currentSnapshot(); snapshot != null; ) {
      Map<String, String> summary = snapshot.summary();
      if (sinkId.equals(summary.get(SINK_ID)) && summary.containsKey(BATCH)) {
        return Long.parseLong(summary.get(BATCH));
      }
      Long parent = snapshot.parentId();
      snapshot = parent == null ? null : table.snapshot(parent);
    }
    return 0;
  }

  /**
   * The names of the data files {@code sinkId}'s appends added in the current ancestry, back to
   * {@code sinceMillis}; when expiry has removed snapshots younger than that, the names of every
   * data file the table's manifests still list.
   */
  static Set<String> committedFileNames(Table table, String sinkId, long sinceMillis) {
    Set<String> names = new HashSet<>();
    Snapshot snapshot = table.currentSnapshot();
    while (snapshot != null && snapshot.timestampMillis() >= sinceMillis) {
      if (sinkId.equals(snapshot.summary().get(SINK_ID))
          && DataOperations.APPEND.equals(snapshot.operation())) {
        for (DataFile file : snapshot.addedDataFiles(table.io())) {
          names.add(WriteIcebergFilesFn.nameOf(file.path().toString()));
        }
      }
      Long parent = snapshot.parentId();
      if (parent == null) {
        return names;
      }
      Snapshot older = table.snapshot(parent);
      if (older == null) {
        LOG.info(
            "Iceberg table {}: snapshots younger than the batch have expired; searching all"
                + " manifests for its files",
            table.name());
        names.addAll(IcebergOrphanFiles.referencedFileNames(table));
        return names;
      }
      snapshot = older;
    }
    return names;
  }

  /**
   * Appends each batch's files the table does not have yet in one snapshot, then joins its small
   * files ({@link IcebergSmallFiles}); outputs the id of each append snapshot. After the first
   * commit of a worker, and then every {@code orphanCheckMillis}, it deletes the sink's data files
   * that no snapshot references and that are older than {@code orphanAgeMillis}.
   */
  static final class CommitFilesFn extends DoFn<KV<String, Iterable<WrittenDataFile>>, Long> {
    /** What {@link #commitOnce} returns when the table has every file of the batch already. */
    static final long SKIPPED = -1;

    private static final int UNKNOWN_STATE_RETRIES = 3;

    private final Counter commits = StreamyCounters.counter(StreamyCounters.ICEBERG_COMMITS);
    private final Counter alreadyCommitted =
        StreamyCounters.counter(StreamyCounters.ICEBERG_FILES_ALREADY_COMMITTED);
    private final Counter filesCommitted =
        StreamyCounters.counter(StreamyCounters.ICEBERG_FILES_COMMITTED);
    private final Counter filesJoined =
        StreamyCounters.counter(StreamyCounters.ICEBERG_SMALL_FILES_JOINED);
    private final Counter orphansDeleted =
        StreamyCounters.counter(StreamyCounters.ICEBERG_ORPHAN_FILES_DELETED);
    private final Gauge lastCommit;
    private final IcebergTableHandle table;
    private final String sinkId;
    private final long targetFileBytes;
    private final long orphanAgeMillis;
    private final long orphanCheckMillis;
    private transient long lastOrphanCheck;

    CommitFilesFn(
        IcebergCatalogSettings settings,
        String namespace,
        String table,
        String sinkId,
        long targetFileBytes,
        long orphanAgeMillis) {
      this.table = new IcebergTableHandle(settings, namespace, table);
      this.sinkId = sinkId;
      this.targetFileBytes = targetFileBytes;
      this.orphanAgeMillis = orphanAgeMillis;
      this.orphanCheckMillis = Math.min(orphanAgeMillis, 60 * 60 * 1000L);
      this.lastCommit =
          Metrics.gauge(
              StreamyCounters.NAMESPACE, StreamyCounters.ICEBERG_LAST_COMMIT_PREFIX + table);
    }

    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<WrittenDataFile>> element, OutputReceiver<Long> out) {
      List<WrittenDataFile> files = new ArrayList<>();
      element.getValue().forEach(files::add);
      long snapshotId = commitOnce(files);
      if (snapshotId != SKIPPED) {
        out.output(snapshotId);
      }
    }

    /**
     * Appends the files of {@code batch} the table does not have yet; returns the new snapshot's
     * id, or {@link #SKIPPED} when it has them all.
     */
    long commitOnce(List<WrittenDataFile> batch) {
      if (batch.isEmpty()) {
        return SKIPPED;
      }
      Table current = table.fresh();
      List<DataFile> missing = missing(current, batch);
      if (missing.size() < batch.size()) {
        alreadyCommitted.inc(batch.size() - missing.size());
        LOG.info(
            "Iceberg table {}: {} of the {} data files of a batch of sink {} are already committed"
                + " (a replay after a restore); {}",
            current.name(),
            batch.size() - missing.size(),
            batch.size(),
            sinkId,
            missing.isEmpty() ? "skipped" : "committing the rest");
      }
      if (missing.isEmpty()) {
        return SKIPPED;
      }
      long snapshotId = append(current, batch, missing);
      commits.inc();
      filesCommitted.inc(missing.size());
      lastCommit.set(System.currentTimeMillis());
      // The append refreshed the table object it committed through: no need to read it again.
      joinSmallFiles(current, snapshotId, missing);
      cleanOrphansNowAndThen();
      return snapshotId;
    }

    /**
     * The files of {@code batch} that {@code current} does not hold. A file that is neither in the
     * table nor on storage any more was committed, joined away and expired (a replay from long
     * ago): it is left out too, never committed as a dangling path.
     */
    private List<DataFile> missing(Table current, List<WrittenDataFile> batch) {
      long oldest = batch.stream().mapToLong(WrittenDataFile::closedAtMillis).min().getAsLong();
      Set<String> committed = committedFileNames(current, sinkId, oldest - CLOCK_SKEW_MILLIS);
      List<DataFile> missing = new ArrayList<>();
      for (WrittenDataFile file : batch) {
        if (committed.contains(file.name())) {
          continue;
        }
        String path = file.file().path().toString();
        if (!current.io().newInputFile(path).exists()) {
          LOG.warn(
              "Iceberg table {}: data file {} of a replayed batch is neither in the table nor on"
                  + " storage (committed, compacted and expired long ago); left out",
              current.name(),
              path);
          continue;
        }
        missing.add(file.file());
      }
      return missing;
    }

    /**
     * Appends {@code files} in one snapshot. Iceberg retries a commit that lost a race by itself;
     * when the outcome is unknown (the catalog did not answer), the table is read again and only
     * what is still missing is appended.
     */
    private long append(Table current, List<WrittenDataFile> batch, List<DataFile> files) {
      for (int attempt = 1; ; attempt++) {
        try {
          AppendFiles append = current.newAppend();
          files.forEach(append::appendFile);
          append
              .set(SINK_ID, sinkId)
              .set(BATCH, Long.toString(batchesCommitted(current, sinkId) + 1));
          SourceOffsets offsets = sourceOffsets(batch, files);
          if (!offsets.isEmpty()) {
            append.set(SOURCE_OFFSETS, offsets.toJson());
          }
          append.commit();
          return current.currentSnapshot().snapshotId();
        } catch (CommitStateUnknownException unknown) {
          current = table.fresh();
          files = missing(current, batch);
          if (files.isEmpty()) {
            return current.currentSnapshot().snapshotId();
          }
          if (attempt == UNKNOWN_STATE_RETRIES) {
            throw unknown;
          }
          LOG.warn(
              "Iceberg table {}: a commit had an unknown outcome; {} files are not in the table,"
                  + " appending them again",
              current.name(),
              files.size());
        }
      }
    }

    /** The source offsets of the files of {@code batch} that are among {@code files}. */
    private static SourceOffsets sourceOffsets(List<WrittenDataFile> batch, List<DataFile> files) {
      Set<String> appended = new HashSet<>();
      files.forEach(file -> appended.add(WriteIcebergFilesFn.nameOf(file.path().toString())));
      SourceOffsets offsets = new SourceOffsets();
      for (WrittenDataFile file : batch) {
        if (file.sourceOffsets() != null && appended.contains(file.name())) {
          offsets.addAll(file.sourceOffsets());
        }
      }
      return offsets;
    }

    /**
     * Replaces the small files just appended with joined ones, in a second snapshot. Compaction is
     * housekeeping: if it fails, the small files stay committed and nothing is lost or doubled.
     */
    private void joinSmallFiles(Table current, long appendSnapshotId, List<DataFile> appended) {
      try {
        IcebergSmallFiles.Joined joined =
            IcebergSmallFiles.join(current, sinkId, appended, targetFileBytes);
        if (joined.replaced.isEmpty()) {
          return;
        }
        current
            .newRewrite()
            .validateFromSnapshot(appendSnapshotId)
            .rewriteFiles(new HashSet<>(joined.replaced), new HashSet<>(joined.written))
            .set(SINK_ID, sinkId)
            .commit();
        filesJoined.inc(joined.replaced.size());
        LOG.info(
            "Iceberg table {}: joined {} small data files of sink {} into {}",
            current.name(),
            joined.replaced.size(),
            sinkId,
            joined.written.size());
      } catch (IOException | RuntimeException e) {
        LOG.warn(
            "Iceberg table {}: could not join the small files of sink {} this time: {}",
            current.name(),
            sinkId,
            e.toString());
      }
    }

    private void cleanOrphansNowAndThen() {
      long now = System.currentTimeMillis();
      if (now - lastOrphanCheck < orphanCheckMillis) {
        return;
      }
      lastOrphanCheck = now;
      Table current = table.fresh();
      try {
        orphansDeleted.inc(IcebergOrphanFiles.delete(current, sinkId, now - orphanAgeMillis));
      } catch (RuntimeException e) {
        // Cleaning is housekeeping: the commit stands, and the next check tries again.
        LOG.warn(
            "Iceberg table {}: could not clean orphan data files of sink {} this time: {}",
            current.name(),
            sinkId,
            e.toString());
      }
    }

    @Teardown
    public void teardown() {
      table.close();
    }
  }
}
