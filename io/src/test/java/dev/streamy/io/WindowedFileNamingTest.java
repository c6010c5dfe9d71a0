package dev.streamy.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.PaneInfo.Timing;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class WindowedFileNamingTest {

  private static final WindowedFileNaming NAMING = WindowedFileNaming.of("events", ".parquet");
  private static final Instant T1300 = Instant.parse("2024-08-22T13:00:00Z");

  private static IntervalWindow window(Instant start, Duration size) {
    return new IntervalWindow(start, start.plus(size));
  }

  private static PaneInfo pane(long index, Timing timing) {
    return PaneInfo.createPane(index == 0, false, timing, index, timing == Timing.EARLY ? -1 : 0);
  }

  @Test
  public void namesFromWindowPaneAndShard() {
    assertEquals(
        "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet",
        NAMING.getFilename(
            window(T1300, Duration.standardMinutes(1)),
            pane(0, Timing.ON_TIME),
            1,
            0,
            Compression.UNCOMPRESSED));
    assertEquals(
        "date=2024-08-22/hour=13/events-20240822T1300Z-20240822T1400Z-pane-3-shard-00002-of-00004.parquet",
        NAMING.getFilename(
            window(T1300, Duration.standardHours(1)), pane(3, Timing.LATE), 4, 2, null));
  }

  @Test
  public void aLatePaneNeverReusesTheOnTimeName() {
    IntervalWindow w = window(T1300, Duration.standardMinutes(1));
    assertNotEquals(
        NAMING.getFilename(w, pane(0, Timing.ON_TIME), 1, 0, null),
        NAMING.getFilename(w, pane(1, Timing.LATE), 1, 0, null));
  }

  @Test
  public void folderIsTheUtcDateAndHourOfTheWindowStart() {
    IntervalWindow midnight =
        window(Instant.parse("2024-12-31T23:59:00Z"), Duration.standardMinutes(2));
    assertEquals(
        "date=2024-12-31/hour=23/events-20241231T2359Z-20250101T0001Z-pane-0-shard-00000-of-00001.parquet",
        NAMING.getFilename(midnight, PaneInfo.NO_FIRING, 1, 0, null));
  }

  @Test
  public void subMinuteWindowsGetDistinctNames() {
    IntervalWindow first =
        window(T1300.plus(Duration.standardSeconds(10)), Duration.standardSeconds(10));
    IntervalWindow second =
        window(T1300.plus(Duration.standardSeconds(20)), Duration.standardSeconds(10));
    assertEquals("20240822T130010Z-20240822T130020Z", WindowedFileNaming.labelOf(first));
    assertEquals("20240822T130020Z-20240822T130030Z", WindowedFileNaming.labelOf(second));
    assertEquals(
        "20240822T1300Z-20240822T130000250Z",
        WindowedFileNaming.labelOf(window(T1300, Duration.millis(250))));
  }

  @Test
  public void globalWindowIsNamedGlobal() {
    assertEquals(
        "global/events-global-pane-0-shard-00000-of-00002.parquet",
        NAMING.getFilename(GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, 2, 0, null));
  }

  @Test
  public void compressionSuffixIsAppended() {
    assertEquals(
        "global/events-global-pane-0-shard-00000-of-00001.parquet.gz",
        NAMING.getFilename(GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, 1, 0, Compression.GZIP));
  }

  @Test
  public void prefixAndSuffixAreAllowListed() {
    for (String bad : new String[] {"", "../x", "a/b", "a b", "-x", ".hidden", "x..y", "é"}) {
      assertThrows(
          bad, IllegalArgumentException.class, () -> WindowedFileNaming.of(bad, ".parquet"));
    }
    assertThrows(IllegalArgumentException.class, () -> WindowedFileNaming.of("ok", "/x"));
    assertThrows(IllegalArgumentException.class, () -> WindowedFileNaming.of("ok", "parquet"));
    WindowedFileNaming.of("dead-letters_v1.2", ".parquet");
    WindowedFileNaming.of("x", "");
  }
}
