package dev.streamy.io;

import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.iceberg.DataFile;

/**
 * A closed Iceberg data file on its way to the committer: its path, partition, size, row count and
 * column metrics, as Iceberg's writer reported them, and when it was closed. Java-serialized
 * (Iceberg's data files are), which is also how Iceberg's own Flink sink checkpoints them; with the
 * source offsets its rows came from ({@link SourceOffsets}).
 */
final class WrittenDataFile implements Serializable {
  private static final long serialVersionUID = 2L;

  private final DataFile file;
  private final long closedAtMillis;
  // Added after version 2 was checkpointed: a file from such a checkpoint reads it as null.
  private final @Nullable SourceOffsets sourceOffsets;

  WrittenDataFile(DataFile file, long closedAtMillis, @Nullable SourceOffsets sourceOffsets) {
    this.file = file;
    this.closedAtMillis = closedAtMillis;
    this.sourceOffsets = sourceOffsets;
  }

  DataFile file() {
    return file;
  }

  /** When the writer closed the file: no snapshot before that can hold it. */
  long closedAtMillis() {
    return closedAtMillis;
  }

  /** The Kafka offsets the file's rows came from; null for rows without source coordinates. */
  @Nullable
  SourceOffsets sourceOffsets() {
    return sourceOffsets;
  }

  /** The file's name, unique to the writer that made it. */
  String name() {
    return WriteIcebergFilesFn.nameOf(file.path().toString());
  }

  @Override
  public String toString() {
    return file.path() + " (" + file.recordCount() + " rows)";
  }
}
