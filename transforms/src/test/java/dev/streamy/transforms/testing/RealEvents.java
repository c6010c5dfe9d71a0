package dev.streamy.transforms.testing;

import dev.streamy.transforms.SourceRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The 3,059 real Wikimedia {@code recentchange} events in {@code shared/data}, one JSON object a
 * line, as the exact bytes of each line. Tests find the file by walking up from the working
 * directory, so they run in any checkout that has {@code shared/} beside or above it.
 */
public final class RealEvents {

  /** Lines in the data file. */
  public static final int COUNT = 3_059;

  /** Events that satisfy the default contract. */
  public static final int VALID = 2_879;

  /** Events without {@code $schema} and {@code meta.stream} (an older stream format). */
  public static final int MISSING_SCHEMA_AND_STREAM = 180;

  private static final String RELATIVE = "shared/data/wikimedia-recentchange-real.ndjson";

  private RealEvents() {}

  /** The data file: {@code <dir>/shared/data/...ndjson} for the nearest ancestor that has one. */
  public static Path dataFile() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(RELATIVE);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "No " + RELATIVE + " in " + start + " or any directory above it");
  }

  /** Each line's bytes, without the line break, in file order. */
  public static List<byte[]> lines() {
    byte[] all;
    try {
      all = Files.readAllBytes(dataFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= all.length; i++) {
      if (i == all.length || all[i] == '\n') {
        int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
        if (end > start) {
          lines.add(Arrays.copyOfRange(all, start, end));
        }
        start = i + 1;
      }
    }
    return lines;
  }

  /** The lines as records of {@code topic}, partition 0, offsets 0, 1, 2, ... */
  public static List<SourceRecord> records(String topic) {
    List<byte[]> lines = lines();
    List<SourceRecord> records = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      records.add(SourceRecord.of(topic, 0, i, lines.get(i)));
    }
    return records;
  }
}
