package dev.streamy.benchmarks;

import dev.streamy.io.RowParquetRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * The event files of a run: one Parquet file per event-time window, open while records arrive. A
 * run that touches more than {@value #MAX_OPEN} windows closes the least recently used file and
 * starts a new part for its window if more of its events come.
 */
final class EventFiles implements AutoCloseable {

  static final int MAX_OPEN = 32;

  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path folder;
  private final RowParquetRecords rows;
  private final long windowMillis;
  private final Map<Long, Integer> parts = new HashMap<>();
  private final LinkedHashMap<Long, ParquetWriter<Row>> open = new LinkedHashMap<>(16, 0.75f, true);
  private int files;

  EventFiles(Path folder, RowParquetRecords rows, long windowMillis) {
    this.folder = folder;
    this.rows = rows;
    this.windowMillis = windowMillis;
  }

  /** Appends {@code event} to the file of the window that starts at {@code windowStart}. */
  void write(long windowStart, Row event) throws IOException {
    ParquetWriter<Row> writer = open.get(windowStart);
    if (writer == null) {
      if (open.size() >= MAX_OPEN) {
        Iterator<ParquetWriter<Row>> eldest = open.values().iterator();
        eldest.next().close();
        eldest.remove();
      }
      int part = parts.merge(windowStart, 1, Integer::sum);
      writer =
          ParquetFiles.create(
              folder.resolve(fileName(windowStart, part)), rows.messageType(), rows::write);
      open.put(windowStart, writer);
      files++;
    }
    writer.write(event);
  }

  /** Files written so far. */
  int files() {
    return files;
  }

  private String fileName(long windowStart, int part) {
    return "events-"
        + NAME_TIME.format(Instant.ofEpochMilli(windowStart))
        + "-"
        + NAME_TIME.format(Instant.ofEpochMilli(windowStart + windowMillis))
        + (part == 1 ? "" : "-part-" + part)
        + ".parquet";
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (ParquetWriter<Row> writer : open.values()) {
      try {
        writer.close();
      } catch (IOException | UncheckedIOException e) {
        if (failure == null) {
          failure = e instanceof IOException ? (IOException) e : new IOException(e);
        }
      }
    }
    open.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
