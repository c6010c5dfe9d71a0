package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/**
 * {@code streamy inspect} on the output of a real run: generated good, bad and duplicate records
 * through a real broker and the ingest pipeline on the DirectRunner with {@code --sink=both}. What
 * the inspect reads from the files and the tables must be what the run's summary counted.
 */
public class InspectCommandTest {

  private static final String TOPIC = "recentchange";
  private static final int GENERATED = 1_500;

  /** Not JSON, with a newline, an escape sequence and a byte that is not UTF-8. */
  private static final byte[] CONTROL_CHARS = {
    0x01, 'b', 'a', 'd', '\n', 0x1b, '[', '3', '1', 'm', (byte) 0xff, '}'
  };

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path output;
  private static Map<String, Long> counters;
  private static Inspected inspected;

  @BeforeClass
  public static void ingestThenInspect() throws Exception {
    kafka = LocalKafka.start();
    // Room for the generator's oversized records, which must reach the pipeline as TOO_LARGE.
    kafka.createTopic(TOPIC, 2, Map.of("max.message.bytes", Integer.toString(4 << 20)));
    kafka.createTopic(TOPIC + ".dlq", 1);
    output = TEMP.newFolder("out").toPath();
    // First in partition 0, so the first PARSE_ERROR by coordinates: the code's sample.
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(TOPIC, 0, null, CONTROL_CHARS)).get();
    }
    int sent =
        1
            + Generated.send(
                    kafka,
                    TOPIC,
                    GENERATED,
                    0.2,
                    0.03,
                    13,
                    TEMP.getRoot().toPath().resolve("ledger.ndjson"))
                .size();

    IngestOptions options =
        PipelineArgs.parse(
            IngestOptions.class,
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + output,
                "--sink=both",
                "--maxRecords=" + sent));
    PipelineResult result = IngestPipeline.run(Settings.from(options));
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    counters = IngestPipeline.counters(result);
    assertEquals(Long.valueOf(sent), counters.get(StreamyCounters.RECORDS_READ));
    inspected = inspect("--output=" + output);
    System.out.println(inspected.out);
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** What a run of the command printed, and its exit code. */
  private record Inspected(int exitCode, String out, String err) {

    /** The first group of the first line that {@code regex} matches in full. */
    String find(String regex) {
      Matcher match = Pattern.compile(regex, Pattern.MULTILINE).matcher(out);
      assertTrue("no line matches " + regex + " in:\n" + out, match.find());
      return match.group(1);
    }
  }

  /** {@code streamy inspect args...} through the CLI's own command tree, in this JVM. */
  private static Inspected inspect(String... args) {
    CommandLine line = Streamy.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    // The CLI's error handler prints a refusal on System.err itself.
    ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(refusal, true, StandardCharsets.UTF_8));
    int code;
    try {
      List<String> all = new ArrayList<>(List.of("inspect"));
      all.addAll(Arrays.asList(args));
      code = line.execute(all.toArray(String[]::new));
    } finally {
      System.setErr(stderr);
    }
    return new Inspected(code, out.toString(), err + refusal.toString(StandardCharsets.UTF_8));
  }

  private static long number(String text) {
    return Long.parseLong(text.replace(",", ""));
  }

  @Test
  public void rowsPerPartAreTheSummaryCounts() {
    assertEquals(inspected.err, 0, inspected.exitCode);
    long windowed = counters.get(StreamyCounters.EVENTS_WINDOWED);
    assertTrue(windowed > 1_000);
    assertEquals(windowed, number(inspected.find("^  events +([\\d,]+) rows in ")));
    assertEquals(windowed, number(inspected.find("^  aggregates .*, counting ([\\d,]+) events$")));
    assertEquals(
        StreamyCounters.deadLetters(counters),
        number(inspected.find("^  dead letters +([\\d,]+) rows in ")));
  }

  @Test
  public void deadLettersByCodeAreTheSummaryCounts() {
    Map<String, Long> expected = new TreeMap<>();
    StreamyCounters.deadLettersByCode(counters)
        .forEach(
            (ErrorCode code, Long count) -> {
              if (count > 0) {
                expected.put(code.name(), count);
              }
            });
    assertTrue(expected.toString(), expected.size() >= 3);
    Map<String, Long> shown = new TreeMap<>();
    Matcher line =
        Pattern.compile(
                "^    ([A-Z_]+) +([\\d,]+) +" + TOPIC + "/\\d+/\\d+ +[A-Z_]+ +.+$",
                Pattern.MULTILINE)
            .matcher(inspected.out);
    while (line.find()) {
      assertEquals(line.group(), null, shown.put(line.group(1), number(line.group(2))));
    }
    assertEquals(expected, shown);
  }

  @Test
  public void aSampleIsDecodedWithItsControlCharactersAndBadBytesEscaped() {
    assertEquals(
        "\"\\u0001bad\\n\\u001b[31m\\xff}\" (12 bytes)",
        inspected.find("^    ENCODING_ERROR +[\\d,]+ +" + TOPIC + "/0/0 +PARSE +(.+)$"));
    for (char c : inspected.out.toCharArray()) {
      assertFalse("a control character in the output: " + (int) c, c < 0x20 && c != '\n');
    }
  }

  @Test
  public void icebergTablesHoldTheSummaryCounts() {
    long windowed = counters.get(StreamyCounters.EVENTS_WINDOWED);
    assertEquals(windowed, number(inspected.find("^  iceberg streamy\\.events +([\\d,]+) rows")));
    assertEquals(
        StreamyCounters.deadLetters(counters),
        number(inspected.find("^  iceberg streamy\\.dead_letters +([\\d,]+) rows")));
    assertEquals(
        number(inspected.find("^  aggregates +([\\d,]+) rows in ")),
        number(inspected.find("^  iceberg streamy\\.aggregates +([\\d,]+) rows")));
    // A bounded run commits each table once, as sink streamy-ingest's first batch.
    String events = inspected.out.substring(inspected.out.indexOf("iceberg streamy.events"));
    assertTrue(
        events,
        Pattern.compile(
                "^      -?\\d+ +\\S+Z +append +\\+"
                    + String.format(Locale.ROOT, "%,d", windowed)
                    + " +streamy-ingest +1$",
                Pattern.MULTILINE)
            .matcher(events)
            .find());
  }

  @Test
  public void theEventTimeRangeIsInOrder() {
    Matcher range =
        Pattern.compile("event time (\\S+) \\.\\. (\\S+)$", Pattern.MULTILINE)
            .matcher(inspected.out);
    assertTrue(inspected.out, range.find());
    assertFalse(Instant.parse(range.group(2)).isBefore(Instant.parse(range.group(1))));
  }

  @Test
  public void aCatalogAloneShowsItsTables() {
    Inspected tables = inspect("--icebergWarehouse=" + output.resolve("warehouse"));
    assertEquals(tables.err, 0, tables.exitCode);
    assertEquals(
        (long) counters.get(StreamyCounters.EVENTS_WINDOWED),
        number(tables.find("^  iceberg streamy\\.events +([\\d,]+) rows")));
    assertFalse(tables.out, tables.out.contains("Parquet"));

    Inspected rest = inspect("--icebergCatalogType=rest");
    assertEquals(Streamy.USAGE, rest.exitCode);
    assertEquals("streamy: --icebergCatalogType=rest needs --icebergCatalogUri", rest.err.strip());
  }

  @Test
  public void aMissingOrEmptyOutputIsRefusedInOneLine() throws Exception {
    Inspected missing = inspect("--output=" + TEMP.getRoot().toPath().resolve("nowhere"));
    assertEquals(Streamy.USAGE, missing.exitCode);
    assertEquals("", missing.out);
    assertEquals(1, missing.err.strip().lines().count());
    assertTrue(missing.err, missing.err.contains("no such folder"));

    Path empty = Files.createDirectory(TEMP.getRoot().toPath().resolve("empty"));
    Inspected nothing = inspect("--output=" + empty);
    assertEquals(Streamy.USAGE, nothing.exitCode);
    assertEquals("", nothing.out);
    assertEquals(1, nothing.err.strip().lines().count());
    assertTrue(nothing.err, nothing.err.contains("no streamy output there"));

    Inspected none = inspect();
    assertEquals(Streamy.USAGE, none.exitCode);
    assertTrue(none.err, none.err.contains("which output?"));
  }

  @Test
  public void aLongPayloadIsCutAfterItsFirstCharacters() {
    byte[] value = ("\uD83D\uDE00" + "x".repeat(500)).getBytes(StandardCharsets.UTF_8);
    assertEquals(
        "\"\uD83D\uDE00" + "x".repeat(InspectCommand.SAMPLE_CHARS - 2) + "...\" (504 bytes)",
        InspectCommand.decoded(value));
    assertEquals("(empty value)", InspectCommand.decoded(new byte[0]));
    assertEquals("(no value)", InspectCommand.decoded(null));
  }
}
