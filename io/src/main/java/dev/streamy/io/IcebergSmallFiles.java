package dev.streamy.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;

/**
 * Joins the small data files a commit has just appended, so a table does not keep one file per
 * bundle, writer and partition of every commit (the DirectRunner's bundles are a few rows; a
 * streaming Flink job closes its files at least once a second). Within each partition, files that
 * are under {@value #SMALL_FILE_BYTES} bytes on average are read back and written again, record by
 * record, into files of up to the target size; the committer then replaces the small files with the
 * joined ones in a rewrite snapshot. Larger files are left as they are.
 *
 * <p>The replaced files stay referenced by the append snapshot, so they are deleted when that
 * snapshot expires (Iceberg's {@code expireSnapshots}). Joined files that never get committed (the
 * job died in between) are this sink's orphans, and {@link IcebergOrphanFiles} takes them.
 */
final class IcebergSmallFiles {

  /** Files under this size on average, in a partition of a commit, are joined. */
  static final long SMALL_FILE_BYTES = 8L * 1024 * 1024;

  private IcebergSmallFiles() {}

  /** What {@link #join} wrote: the joined files and the small files they replace. */
  static final class Joined {
    final List<DataFile> written = new ArrayList<>();
    final List<DataFile> replaced = new ArrayList<>();
  }

  /** Joins the small files of each partition of {@code files} into new files of {@code sinkId}. */
  static Joined join(Table table, String sinkId, List<DataFile> files, long targetFileBytes)
      throws IOException {
    Map<String, List<DataFile>> byPartition = new LinkedHashMap<>();
    for (DataFile file : files) {
      PartitionSpec spec = table.specs().get(file.specId());
      String partition = file.specId() + "/" + spec.partitionToPath(file.partition());
      byPartition.computeIfAbsent(partition, key -> new ArrayList<>()).add(file);
    }
    Joined joined = new Joined();
    for (List<DataFile> group : byPartition.values()) {
      long bytes = group.stream().mapToLong(DataFile::fileSizeInBytes).sum();
      if (group.size() < 2 || bytes / group.size() >= SMALL_FILE_BYTES) {
        continue;
      }
      joined.written.addAll(rewrite(table, sinkId, group, UUID.randomUUID(), targetFileBytes));
      joined.replaced.addAll(group);
    }
    return joined;
  }

  /** Writes the records of {@code sources} (one partition) into files named after {@code id}. */
  private static List<DataFile> rewrite(
      Table table, String sinkId, List<DataFile> sources, UUID id, long targetFileBytes)
      throws IOException {
    Schema schema = table.schema();
    DataFile first = sources.get(0);
    PartitionSpec spec = table.specs().get(first.specId());
    StructLike partition = first.partition();
    GenericAppenderFactory appenders =
        new GenericAppenderFactory(schema, spec).setAll(table.properties());
    List<DataFile> written = new ArrayList<>();
    DataWriter<Record> writer = null;
    try {
      for (DataFile source : sources) {
        try (CloseableIterable<Record> records =
            Parquet.read(table.io().newInputFile(source.path().toString()))
                .project(schema)
                .createReaderFunc(
                    fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
                .build()) {
          for (Record record : records) {
            if (writer == null) {
              writer =
                  WriteIcebergFilesFn.newDataWriter(
                      table,
                      spec,
                      appenders,
                      partition,
                      WriteIcebergFilesFn.fileName(sinkId, id, written.size()));
            }
            writer.write(record);
            if (writer.length() >= targetFileBytes) {
              writer.close();
              written.add(writer.toDataFile());
              writer = null;
            }
          }
        }
      }
      if (writer != null) {
        writer.close();
        written.add(writer.toDataFile());
        writer = null;
      }
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
    return written;
  }
}
