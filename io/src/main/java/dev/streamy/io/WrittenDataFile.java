package dev.streamy.io;

import java.io.Serializable;
import org.apache.iceberg.DataFile;

/**
 * A closed Iceberg data file on its way to the committer: its path, partition, size, row count and
 * column metrics, as Iceberg's writer reported them, and when it was closed. Java-serialized
 * (Iceberg's data files are), which is also how Iceberg's own Flink sink checkpoints them.
 */
final class WrittenDataFile implements Serializable {
  private static final long serialVersionUID = 2L;

  private final DataFile file;
  private final long closedAtMillis;

  WrittenDataFile(DataFile file, long closedAtMillis) {
    this.file = file;
    this.closedAtMillis = closedAtMillis;
  }

  DataFile file() {
    return file;
  }

  /** When the writer closed the file: no snapshot before that can hold it. */
  long closedAtMillis() {
    return closedAtMillis;
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
