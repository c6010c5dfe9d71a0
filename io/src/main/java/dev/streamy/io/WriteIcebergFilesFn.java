package dev.streamy.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.iceberg.IcebergUtils;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.Row;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;

/**
 * Writes rows into Iceberg data files as they arrive, one open Parquet file per table partition,
 * through Iceberg's own generic writer (so column ids, metrics and the table's Parquet settings are
 * Iceberg's). A file is closed when it reaches the target size and, at the latest, when the bundle
 * ends (on Flink before the checkpoint that follows completes); each closed file is output as a
 * {@link WrittenDataFile} for the committer, with the source offsets of its rows when they carry
 * their Kafka coordinates. Nothing is committed here.
 *
 * <p>Files are named {@code streamy-<sink id>-<uuid>-<n>.parquet}, so a retried bundle never
 * overwrites a file an earlier attempt wrote: that earlier file is simply never committed, and
 * {@link IcebergOrphanFiles} removes it after a safe age.
 */
final class WriteIcebergFilesFn extends DoFn<Row, WrittenDataFile> {

  private static final String PREFIX = "streamy-";
  private static final String SUFFIX = ".parquet";

  /**
   * What follows the sink id: a UUID and a counter, so sink "a" never claims sink "a-b"'s files.
   */
  private static final Pattern OWN_REST =
      Pattern.compile(
          "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\\d+\\.parquet");

  private final Counter rowsWritten = Metrics.counter(WriteIceberg.class, "rows_written");
  private final Counter filesWritten = Metrics.counter(WriteIceberg.class, "files_written");
  private final IcebergTableHandle handle;
  private final String sinkId;
  private final long targetFileBytes;
  private final @Nullable SourceOffsets.Columns coordinates;

  private transient @Nullable Table table;
  private transient @Nullable Schema schema;
  private transient @Nullable GenericAppenderFactory appenders;
  private transient @Nullable PartitionKey partitionKey;
  private transient @Nullable InternalRecordWrapper wrapper;
  private transient @Nullable Map<PartitionKey, OpenFile> open;
  private transient @Nullable UUID writerId;
  private transient int fileCount;

  WriteIcebergFilesFn(
      IcebergCatalogSettings settings,
      String namespace,
      String tableName,
      String sinkId,
      long targetFileBytes,
      org.apache.beam.sdk.schemas.Schema rowSchema) {
    this.handle = new IcebergTableHandle(settings, namespace, tableName);
    this.sinkId = sinkId;
    this.targetFileBytes = targetFileBytes;
    this.coordinates = SourceOffsets.Columns.of(rowSchema);
  }

  /** The name of data file {@code index} of a writer {@code id} of {@code sinkId}. */
  static String fileName(String sinkId, UUID id, int index) {
    return PREFIX + sinkId + "-" + id + "-" + index + SUFFIX;
  }

  /** True when {@code fileName} is a data file name this writer makes for {@code sinkId}. */
  static boolean isOwnFileName(String fileName, String sinkId) {
    String own = PREFIX + sinkId + "-";
    return fileName.startsWith(own) && OWN_REST.matcher(fileName.substring(own.length())).matches();
  }

  @Setup
  public void setup() {
    Table loaded = handle.fresh();
    table = loaded;
    schema = loaded.schema();
    appenders = new GenericAppenderFactory(schema, loaded.spec()).setAll(loaded.properties());
    partitionKey = new PartitionKey(loaded.spec(), schema);
    wrapper = new InternalRecordWrapper(schema.asStruct());
  }

  @StartBundle
  public void startBundle() {
    open = new HashMap<>();
    // One id per bundle attempt: a retried bundle writes new names, never over the old files.
    writerId = UUID.randomUUID();
    fileCount = 0;
  }

  @ProcessElement
  public void process(@Element Row row, OutputReceiver<WrittenDataFile> out) throws IOException {
    Record record = IcebergUtils.beamRowToIcebergRecord(schema, row);
    PartitionKey key = partitionKey;
    key.partition(wrapper.wrap(record));
    OpenFile file = open.get(key);
    if (file == null) {
      PartitionKey copy = key.copy();
      file =
          new OpenFile(
              copy,
              newDataWriter(
                  table, table.spec(), appenders, copy, fileName(sinkId, writerId, fileCount++)),
              coordinates == null ? null : new SourceOffsets());
      open.put(copy, file);
    }
    file.writer.write(record);
    file.rows++;
    if (file.offsets != null) {
      coordinates.addTo(file.offsets, row);
    }
    if (file.writer.length() >= targetFileBytes) {
      open.remove(file.partition);
      out.output(close(file));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) throws IOException {
    List<OpenFile> files = new ArrayList<>(open.values());
    open.clear();
    for (OpenFile file : files) {
      context.output(close(file), GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }
  }

  /** A failed bundle's files are left unfinished and never reported: orphans, cleaned later. */
  @Teardown
  public void teardown() {
    if (open != null) {
      for (OpenFile file : open.values()) {
        try {
          file.writer.close();
        } catch (IOException | RuntimeException e) {
          // Never committed; closing only releases the handle.
        }
      }
      open.clear();
    }
    handle.close();
  }

  /**
   * A Parquet data writer for file {@code name} in {@code partition} of {@code spec}, at the
   * location {@code table}'s location provider gives it.
   */
  static DataWriter<Record> newDataWriter(
      Table table,
      PartitionSpec spec,
      GenericAppenderFactory appenders,
      StructLike partition,
      String name) {
    String location =
        spec.isUnpartitioned()
            ? table.locationProvider().newDataLocation(name)
            : table.locationProvider().newDataLocation(spec, partition, name);
    OutputFile output = table.io().newOutputFile(location);
    return appenders.newDataWriter(
        EncryptedFiles.plainAsEncryptedOutput(output),
        FileFormat.PARQUET,
        spec.isUnpartitioned() ? null : partition);
  }

  /** The file name at the end of {@code location}: names are unique, locations vary in spelling. */
  static String nameOf(String location) {
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private WrittenDataFile close(OpenFile file) throws IOException {
    file.writer.close();
    rowsWritten.inc(file.rows);
    filesWritten.inc();
    return new WrittenDataFile(file.writer.toDataFile(), System.currentTimeMillis(), file.offsets);
  }

  private static final class OpenFile {
    final PartitionKey partition;
    final DataWriter<Record> writer;
    final @Nullable SourceOffsets offsets;
    long rows;

    OpenFile(PartitionKey partition, DataWriter<Record> writer, @Nullable SourceOffsets offsets) {
      this.partition = partition;
      this.writer = writer;
      this.offsets = offsets;
    }
  }
}
