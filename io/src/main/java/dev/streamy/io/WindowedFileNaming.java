package dev.streamy.io;

import com.google.auto.value.AutoValue;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * Names output files from their window, pane and shard only, so that a retried or restored write
 * produces the same name (which {@link WriteParquet} then leaves as it is: never a duplicate) and a
 * late pane gets a new file next to the on-time one:
 *
 * <pre>
 * date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet
 * </pre>
 *
 * <p>The folders are the UTC date and hour of the window start. Window bounds are written to the
 * minute, or to the second or millisecond when they are not whole, so distinct windows never share
 * a name. Files of the global window go to {@code global/<prefix>-global-pane-...}. Names use only
 * {@code [A-Za-z0-9._=/-]}.
 */
@AutoValue
public abstract class WindowedFileNaming implements FileIO.Write.FileNaming {

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern SUFFIX = Pattern.compile("(\\.[A-Za-z0-9]{1,16}){0,2}");
  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._=/-]+");

  /**
   * Names files {@code <prefix>-<window>-pane-<n>-shard-<i>-of-<n><suffix>}.
   *
   * @param prefix letters, digits, {@code _ . -}, starting with a letter or digit, at most 64
   * @param suffix e.g. {@code .parquet}, or empty
   */
  public static WindowedFileNaming of(String prefix, String suffix) {
    if (!PREFIX.matcher(prefix).matches() || prefix.contains("..")) {
      throw new IllegalArgumentException(
          "File prefix must match " + PREFIX.pattern() + " and not contain '..': " + prefix);
    }
    if (!SUFFIX.matcher(suffix).matches()) {
      throw new IllegalArgumentException("File suffix must match " + SUFFIX.pattern());
    }
    return new AutoValue_WindowedFileNaming(prefix, suffix);
  }

  abstract String getPrefix();

  abstract String getSuffix();

  @Override
  public String getFilename(
      BoundedWindow window,
      PaneInfo pane,
      int numShards,
      int shardIndex,
      @Nullable Compression compression) {
    String name =
        folderOf(window)
            + "/"
            + getPrefix()
            + "-"
            + labelOf(window)
            + "-pane-"
            + pane.getIndex()
            + String.format("-shard-%05d-of-%05d", shardIndex, numShards)
            + getSuffix()
            + (compression == null ? "" : compression.getSuggestedSuffix());
    if (!ALLOWED.matcher(name).matches() || name.contains("..")) {
      // Every part above is validated or generated from numbers; this guards future edits.
      throw new IllegalStateException("Generated an unsafe file name: " + name);
    }
    return name;
  }

  /**
   * The name of a pane's manifest, next to its files: {@code
   * <folder>/_<prefix>-<window>-pane-<n>.manifest.json}. The leading underscore keeps it out of the
   * globs and folder scans of Parquet readers (Spark, Hive, DuckDB's {@code *.parquet}).
   */
  public String manifestName(BoundedWindow window, PaneInfo pane) {
    String name =
        folderOf(window)
            + "/_"
            + getPrefix()
            + "-"
            + labelOf(window)
            + "-pane-"
            + pane.getIndex()
            + ".manifest.json";
    if (!ALLOWED.matcher(name).matches() || name.contains("..")) {
      throw new IllegalStateException("Generated an unsafe file name: " + name);
    }
    return name;
  }

  /** {@code date=YYYY-MM-DD/hour=HH} of the window start in UTC, or {@code global}. */
  static String folderOf(BoundedWindow window) {
    if (window instanceof GlobalWindow) {
      return "global";
    }
    ZonedDateTime start = utc(startOf(window));
    return String.format(
        "date=%04d-%02d-%02d/hour=%02d",
        start.getYear(), start.getMonthValue(), start.getDayOfMonth(), start.getHour());
  }

  /** {@code <start>-<end>} of an interval window, {@code global}, or the max timestamp. */
  static String labelOf(BoundedWindow window) {
    if (window instanceof GlobalWindow) {
      return "global";
    }
    if (window instanceof IntervalWindow) {
      IntervalWindow interval = (IntervalWindow) window;
      return compact(interval.start().getMillis()) + "-" + compact(interval.end().getMillis());
    }
    return "until-" + compact(window.maxTimestamp().getMillis());
  }

  private static long startOf(BoundedWindow window) {
    return window instanceof IntervalWindow
        ? ((IntervalWindow) window).start().getMillis()
        : window.maxTimestamp().getMillis();
  }

  /** {@code 20240822T1300Z}, with seconds and milliseconds only when they are not zero. */
  static String compact(long epochMillis) {
    ZonedDateTime t = utc(epochMillis);
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%04d%02d%02dT%02d%02d",
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute()));
    int millis = t.getNano() / 1_000_000;
    if (t.getSecond() != 0 || millis != 0) {
      out.append(String.format("%02d", t.getSecond()));
    }
    if (millis != 0) {
      out.append(String.format("%03d", millis));
    }
    return out.append('Z').toString();
  }

  private static ZonedDateTime utc(long epochMillis) {
    return java.time.Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC);
  }

  @Override
  public String toString() {
    return "WindowedFileNaming{" + getPrefix() + ", " + getSuffix() + "}";
  }
}
