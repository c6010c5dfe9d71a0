package dev.streamy.runners;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code streamy report} of a real DirectRunner ingest (Parquet and Iceberg) of generated good, bad
 * and duplicate records, opened in headless Chromium: every chart is drawn with a non-zero size,
 * the page's totals are the run's counters and what DuckDB reads, and nothing is fetched from a
 * network. The screenshot is kept at {@code target/report-screenshot.png}.
 */
public class ReportCommandTest {

  private static final String TOPIC = "recentchange";
  private static final int GENERATED = 2_000;

  /** Where the screenshot is kept, a build artifact. */
  static final Path SCREENSHOT = Path.of("target", "report-screenshot.png").toAbsolutePath();

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path output;
  private static Map<String, Long> counters;
  private static long duplicatesSent;

  @BeforeClass
  public static void ingest() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
    kafka.createTopic(TOPIC + ".dlq", 1);
    output = TEMP.newFolder("out").toPath();
    List<Ledger.Entry> sent =
        Generated.send(kafka, TOPIC, GENERATED, 0.2, 0.05, 13, output.resolve("ledger.ndjson"));
    duplicatesSent = sent.stream().filter(e -> e.expected().equals("DEDUPED")).count();
    IngestOptions options =
        PipelineArgs.parse(
            IngestOptions.class,
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--sink=both",
                // Not streamy's default: IcebergIO caches tables JVM-wide by identifier, and other
                // tests of this JVM write tables called streamy.events elsewhere.
                "--icebergNamespace=report_test",
                "--maxRecords=" + sent.size()));
    PipelineResult result = IngestPipeline.run(Settings.from(options));
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    counters = IngestPipeline.counters(result);
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void theReportOpensOfflineInChromiumWithEveryChartDrawnAndTheRunsNumbers()
      throws Exception {
    Path page = ReportCommand.write(output, TEMP.getRoot().toPath().resolve("report.html"));
    String html = Files.readString(page);
    assertFalse("the page must not load anything over a network", html.contains("http://"));
    assertFalse("the page must not load anything over a network", html.contains("https://"));
    assertFalse("no external resource", Pattern.compile("(src|href)\\s*=").matcher(html).find());

    Path chromium = chromium();
    Assume.assumeTrue(
        "no Chromium installed (looked for chromium, chromium-browser, google-chrome on the PATH"
            + " and $STREAMY_CHROMIUM): the browser check is skipped",
        chromium != null);
    String dom = runChromium(chromium, "--dump-dom", page);
    assertTrue("the page's script ran", dom.contains("data-rendered=\"yes\""));

    Map<String, String> charts = new TreeMap<>();
    Matcher svg = Pattern.compile("<svg ([^>]*)>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
    while (svg.find()) {
      Map<String, String> attributes = attributes(svg.group(1));
      String id = attributes.get("id");
      assertTrue(id + " was measured", attributes.containsKey("data-rendered-width"));
      assertTrue(id + " has a width", Integer.parseInt(attributes.get("data-rendered-width")) > 0);
      assertTrue(
          id + " has a height", Integer.parseInt(attributes.get("data-rendered-height")) > 0);
      assertTrue(
          id + " drew its bars or lines",
          Integer.parseInt(attributes.get("data-rendered-marks")) > 0);
      charts.put(id, svg.group(2));
    }
    assertEquals(
        Set.of(
            "events-per-window",
            "dead-letters-over-time",
            "top-wiki",
            "top-type",
            "quality",
            "rows-committed",
            "iceberg-commits"),
        charts.keySet());

    // The totals: the run's counters, and what DuckDB reads from the files.
    Map<String, Long> totals = new HashMap<>();
    Matcher total = Pattern.compile("data-total=\"([^\"]+)\">(\\d+)<").matcher(dom);
    while (total.find()) {
      totals.put(total.group(1), Long.parseLong(total.group(2)));
    }
    long windowed = counters.get(StreamyCounters.EVENTS_WINDOWED);
    assertTrue(windowed > 0);
    assertEquals(Long.valueOf(windowed), totals.get("events"));
    assertEquals(Long.valueOf(countParquet("events", "")), totals.get("events"));
    assertEquals(Long.valueOf(StreamyCounters.deadLetters(counters)), totals.get("dead-letters"));
    Map<ErrorCode, Long> byCode = StreamyCounters.deadLettersByCode(counters);
    for (ErrorCode code : ErrorCode.values()) {
      long expected = byCode.getOrDefault(code, 0L);
      assertEquals(
          code.name(),
          expected == 0 ? null : Long.valueOf(expected),
          totals.get("dead-letters-" + code));
    }
    assertTrue("the generator's bad records reached the page", totals.size() > 4);
    assertEquals(counters.get(StreamyCounters.DUPLICATES_REMOVED), totals.get("duplicates"));
    assertEquals(Long.valueOf(duplicatesSent), totals.get("duplicates"));

    // The bars of each chart add up to the totals.
    assertEquals(windowed, sumOfBars(charts.get("events-per-window")));
    assertEquals(
        StreamyCounters.deadLetters(counters), sumOfBars(charts.get("dead-letters-over-time")));

    // Both layers agree with the counters; the Iceberg commits added every row.
    for (String layer : List.of("Parquet files", "Iceberg tables")) {
      Matcher row =
          Pattern.compile(
                  "<tr data-layer=\""
                      + layer
                      + "\"><td>[^<]*</td><td>(\\d+)</td><td>(\\d+)</td>"
                      + "<td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td>")
              .matcher(dom);
      assertTrue(layer, row.find());
      long[] expected = {
        counters.get(StreamyCounters.RECORDS_READ),
        windowed,
        StreamyCounters.deadLetters(counters),
        byCode.getOrDefault(ErrorCode.TS_LATE, 0L),
        counters.get(StreamyCounters.DUPLICATES_REMOVED)
      };
      long[] shown = new long[5];
      for (int i = 0; i < 5; i++) {
        shown[i] = Long.parseLong(row.group(i + 1));
      }
      assertArrayEquals(layer, expected, shown);
    }
    Matcher events =
        Pattern.compile("<tr data-table=\"events\"><td>events</td><td>(\\d+)</td><td>(\\d+)</td>")
            .matcher(dom);
    assertTrue(events.find());
    assertTrue(Long.parseLong(events.group(1)) > 0);
    assertEquals(windowed, Long.parseLong(events.group(2)));

    runChromium(chromium, "--screenshot=" + SCREENSHOT, page);
    byte[] png = Files.readAllBytes(SCREENSHOT);
    assertTrue("a screenshot of some size: " + png.length, png.length > 10_000);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
  }

  @Test
  public void aFolderWithNoOutputIsRefusedWithOneLine() throws Exception {
    Path empty = TEMP.newFolder("empty").toPath();
    IllegalArgumentException refused =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () -> ReportCommand.write(empty, empty.resolve("report.html")));
    assertTrue(
        refused.getMessage(), refused.getMessage().startsWith("--output: no streamy output"));
    assertEquals(
        Streamy.USAGE,
        Streamy.commandLine().execute("report", "--output=" + empty.resolve("missing")));
    assertFalse(Files.exists(empty.resolve("report.html")));
  }

  private static long countParquet(String part, String where) throws Exception {
    List<String> files = new ArrayList<>();
    for (Path file : IngestRun.parquetFiles(output.resolve(part))) {
      files.add("'" + file + "'");
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT count(*) FROM read_parquet([" + String.join(",", files) + "])" + where)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static long sumOfBars(String svg) {
    long sum = 0;
    Matcher bar = Pattern.compile("<title>[^<]*: (\\d+)</title>").matcher(svg);
    while (bar.find()) {
      sum += Long.parseLong(bar.group(1));
    }
    return sum;
  }

  private static Map<String, String> attributes(String text) {
    Map<String, String> attributes = new HashMap<>();
    Matcher attribute = Pattern.compile("([\\w-]+)=\"([^\"]*)\"").matcher(text);
    while (attribute.find()) {
      attributes.put(attribute.group(1), attribute.group(2));
    }
    return attributes;
  }

  /** Debian's chromium, or another Chromium on the PATH; null when there is none. */
  static Path chromium() {
    String configured = System.getenv("STREAMY_CHROMIUM");
    if (configured != null && Files.isExecutable(Path.of(configured))) {
      return Path.of(configured);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  /** Runs headless Chromium on {@code page} with {@code action}; returns what it printed. */
  static String runChromium(Path chromium, String action, Path page)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(TEMP.getRoot().toPath(), "chromium-");
    Path stdout = Files.createTempFile(TEMP.getRoot().toPath(), "chromium-", ".out");
    Path stderr = Files.createTempFile(TEMP.getRoot().toPath(), "chromium-", ".err");
    Process process =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + profile,
                "--window-size=1280,3750",
                action,
                page.toUri().toString())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(stderr));
    }
    assertEquals("chromium " + action + ": " + Files.readString(stderr), 0, process.exitValue());
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}
