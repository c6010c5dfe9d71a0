package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.io.IcebergCommitter.CommitFilesFn;
import java.io.IOException;
import java.io.OutputStream;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.joda.time.Instant;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The exactly-once rules of {@link IcebergCommitter} on a real Hadoop-catalog table: a batch the
 * table already has is skipped, a job without state continues from the table's number, other sinks'
 * commits and snapshot expiry do not hide a sink's number, two jobs side by side lose nothing, and
 * only a sink's own unreferenced files are cleaned.
 */
@RunWith(JUnit4.class)
public class IcebergCommitterTest {

  private static final Schema SCHEMA =
      Schema.builder().addStringField("id").addDateTimeField("ts").build();
  private static final Instant TS = Instant.parse("2024-08-22T13:05:00Z");

  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private IcebergCatalogSettings catalog;

  @Before
  public void setUp() throws IOException {
    catalog = IcebergCatalogSettings.hadoop(folder.newFolder("warehouse").getAbsolutePath());
    WriteIceberg.ensureTable(catalog, "lake", "events", SCHEMA, "ts");
  }

  private Table table() {
    return catalog.toBeamConfig().catalog().loadTable(TableIdentifier.of("lake", "events"));
  }

  private static List<Row> rows(String prefix, int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> Row.withSchema(SCHEMA).addValues(prefix + i, TS.plus(i)).build())
        .collect(Collectors.toList());
  }

  /** Runs a bounded job that writes {@code rows} with sink id {@code sinkId}. */
  private void write(String sinkId, List<Row> rows) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline
        .apply("Rows", Create.of(rows).withRowSchema(SCHEMA))
        .apply("Write", WriteIceberg.to(catalog, "lake", "events").withSinkId(sinkId));
    pipeline.run().waitUntilFinish();
  }

  private static List<String> ids(Table table) throws IOException {
    List<String> ids = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(record -> ids.add(record.getField("id").toString()));
    }
    return ids;
  }

  private static List<String> idsOf(List<Row> rows) {
    return rows.stream().map(row -> row.getString("id")).collect(Collectors.toList());
  }

  private static int snapshotCount(Table table) {
    int count = 0;
    for (Snapshot ignored : table.snapshots()) {
      count++;
    }
    return count;
  }

  /** The files of the newest append snapshot of {@code sinkId}, as its writers reported them. */
  private static List<WrittenDataFile> appendedFiles(Table table, String sinkId) {
    for (Snapshot snapshot = table.currentSnapshot();
        snapshot != null;
        snapshot = snapshot.parentId() == null ? null : table.snapshot(snapshot.parentId())) {
      if (sinkId.equals(snapshot.summary().get(IcebergCommitter.SINK_ID))
          && "append".equals(snapshot.operation())) {
        List<WrittenDataFile> files = new ArrayList<>();
        for (DataFile file : snapshot.addedDataFiles(table.io())) {
          files.add(new WrittenDataFile(file.copy(), snapshot.timestampMillis(), null));
        }
        return files;
      }
    }
    throw new AssertionError("no append of " + sinkId);
  }

  private static int liveDataFiles(Table table) throws IOException {
    int count = 0;
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask ignored : tasks) {
        count++;
      }
    }
    return count;
  }

  /** Hands a batch to the committer as the runner would after a restore. */
  private long commit(String sinkId, List<WrittenDataFile> batch) throws IOException {
    CommitFilesFn committer =
        new CommitFilesFn(
            catalog,
            "lake",
            "events",
            sinkId,
            WriteIceberg.DEFAULT_TARGET_FILE_BYTES,
            WriteIceberg.DEFAULT_ORPHAN_AGE.getMillis());
    try {
      return committer.commitOnce(batch);
    } finally {
      committer.teardown();
    }
  }

  @Test
  public void aReplayedBatchIsSkippedAndAReplayWithNewFilesCommitsOnlyThose() throws IOException {
    List<Row> first = rows("a", 50);
    write("job", first);
    Table table = table();
    assertEquals(1, IcebergCommitter.batchesCommitted(table, "job"));
    List<WrittenDataFile> replayed = appendedFiles(table, "job");
    int snapshots = snapshotCount(table);

    // The runner replays the batch (the job was restored from a checkpoint before it).
    assertEquals(CommitFilesFn.SKIPPED, commit("job", replayed));
    table = table();
    assertEquals(snapshots, snapshotCount(table));
    assertThat(ids(table), containsInAnyOrder(idsOf(first).toArray()));

    // A replay regrouped with a file written since: only the new file is committed.
    List<WrittenDataFile> regrouped = new ArrayList<>(replayed);
    regrouped.add(smallFile(table, "new-", 10));
    commit("job", regrouped);
    table = table();
    List<String> expected = new ArrayList<>(idsOf(first));
    for (int i = 0; i < 10; i++) {
      expected.add("new-" + i);
    }
    assertThat(ids(table), containsInAnyOrder(expected.toArray()));
    assertEquals(2, IcebergCommitter.batchesCommitted(table, "job"));

    // A second job with no state under the same id appends its own rows.
    List<Row> second = rows("b", 20);
    write("job", second);
    expected.addAll(idsOf(second));
    assertThat(ids(table()), containsInAnyOrder(expected.toArray()));
  }

  @Test
  public void aReplayAfterSnapshotExpiryIsStillSkipped() throws IOException {
    List<Row> written = rows("a", 10);
    write("job", written);
    List<WrittenDataFile> replayed = appendedFiles(table(), "job");
    write("other", rows("b", 10));
    write("other", rows("c", 10));

    // Expire every snapshot but the current one: job's append is gone from the history.
    Table table = table();
    table.expireSnapshots().expireOlderThan(System.currentTimeMillis() + 1).retainLast(1).commit();
    table = table();
    assertEquals(1, snapshotCount(table));

    // Its files were joined away since, so the replay must not bring them back either.
    List<String> before = ids(table);
    assertEquals(30, before.size());
    commit("job", replayed);
    assertThat(ids(table()), containsInAnyOrder(before.toArray()));
  }

  @Test
  public void twoJobsWithTheirOwnSinkIdsWritingTogetherLoseNothing() throws Exception {
    List<Row> left = rows("left", 300);
    List<Row> right = rows("right", 300);
    ExecutorService jobs = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        int r = round;
        running.add(jobs.submit(() -> write("left", left.subList(r * 100, r * 100 + 100))));
        running.add(jobs.submit(() -> write("right", right.subList(r * 100, r * 100 + 100))));
      }
      for (Future<?> job : running) {
        job.get();
      }
    } finally {
      jobs.shutdownNow();
    }

    Table table = table();
    List<String> expected = new ArrayList<>(idsOf(left));
    expected.addAll(idsOf(right));
    assertThat(ids(table), containsInAnyOrder(expected.toArray()));
    assertEquals(3, IcebergCommitter.batchesCommitted(table, "left"));
    assertEquals(3, IcebergCommitter.batchesCommitted(table, "right"));
  }

  @Test
  public void onlyTheSinksOwnUnreferencedFilesAreCleaned() throws IOException {
    List<Row> written = rows("a", 30);
    write("job", written);
    Table table = table();
    String dataFolder = table.location() + "/data/ts_hour=2024-08-22-13/";
    String orphan = dataFolder + "streamy-job-" + UUID.randomUUID() + "-0.parquet";
    String othersPending = dataFolder + "streamy-job-b-" + UUID.randomUUID() + "-0.parquet";
    String foreign = dataFolder + "not-streamy.parquet";
    for (String location : List.of(orphan, othersPending, foreign)) {
      OutputFile file = table.io().newOutputFile(location);
      try (OutputStream out = file.create()) {
        out.write(new byte[] {1, 2, 3});
      }
    }

    // Too young: nothing goes.
    assertEquals(0, IcebergOrphanFiles.delete(table, "job", System.currentTimeMillis() - 60_000));
    assertTrue(table.io().newInputFile(orphan).exists());

    assertEquals(1, IcebergOrphanFiles.delete(table, "job", System.currentTimeMillis() + 60_000));
    assertFalse(table.io().newInputFile(orphan).exists());
    assertTrue(table.io().newInputFile(othersPending).exists());
    assertTrue(table.io().newInputFile(foreign).exists());
    assertThat(ids(table()), containsInAnyOrder(idsOf(written).toArray()));
    assertNotEquals(0, IcebergOrphanFiles.referencedFileNames(table).size());
  }

  /** A data file of {@code count} records of hour 13, written as a bundle of sink "job" would. */
  private static WrittenDataFile smallFile(Table table, String prefix, int count)
      throws IOException {
    GenericAppenderFactory appenders = new GenericAppenderFactory(table.schema(), table.spec());
    PartitionKey key = new PartitionKey(table.spec(), table.schema());
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    String location = null;
    DataWriter<Record> writer = null;
    for (int i = 0; i < count; i++) {
      Record record = GenericRecord.create(table.schema());
      record.setField("id", prefix + i);
      record.setField("ts", OffsetDateTime.of(2024, 8, 22, 13, 5, i % 60, 0, ZoneOffset.UTC));
      if (writer == null) {
        key.partition(wrapper.wrap(record));
        location =
            table
                .locationProvider()
                .newDataLocation(
                    table.spec(), key, WriteIcebergFilesFn.fileName("job", UUID.randomUUID(), 0));
        writer =
            appenders.newDataWriter(
                EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)),
                FileFormat.PARQUET,
                key);
      }
      writer.write(record);
    }
    writer.close();
    return new WrittenDataFile(writer.toDataFile(), System.currentTimeMillis(), null);
  }

  @Test
  public void aCommitsSmallFilesAreJoinedInARewrite() throws IOException {
    Table table = table();
    List<WrittenDataFile> small = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      small.add(smallFile(table, "f" + f + "-", 40));
      for (int i = 0; i < 40; i++) {
        expected.add("f" + f + "-" + i);
      }
    }

    long appended = commit("job", small);

    table = table();
    assertEquals("replace", table.currentSnapshot().operation());
    assertEquals(appended, (long) table.currentSnapshot().parentId());
    assertEquals("6 small files of one partition become 1", 1, liveDataFiles(table));
    assertThat(ids(table), containsInAnyOrder(expected.toArray()));
    // The small files stay until the append snapshot expires; nothing of the sink is orphaned.
    assertEquals(Set.of(), IcebergOrphanFiles.unreferencedOwnFiles(table, "job"));
    // A replay of the batch is still recognized after the rewrite.
    assertEquals(CommitFilesFn.SKIPPED, commit("job", small));
    assertThat(ids(table()), containsInAnyOrder(expected.toArray()));
  }
}
