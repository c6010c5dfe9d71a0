package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import dev.streamy.transforms.testing.RealEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Duration;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A Prometheus scrape of a running DirectRunner ingest, parsed as the exposition format: while it
 * runs the endpoint answers, and once it is done its figures are the run's summary counters.
 */
public class MetricsEndpointTest {

  private static final String TOPIC = "recentchange";
  private static final int BAD = 25;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;

  @BeforeClass
  public static void produce() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 2);
    kafka.createTopic(TOPIC + ".dlq", 1);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[] line : RealEvents.lines()) {
        producer.send(new ProducerRecord<>(TOPIC, line));
      }
      for (int i = 0; i < BAD; i++) {
        producer.send(
            new ProducerRecord<>(TOPIC, ("{\"broken\": " + i).getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void aScrapeOfARunningIngestParsesAndEndsAtTheSummary() throws Exception {
    IngestOptions options =
        PipelineArgs.parse(
            IngestOptions.class,
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + TEMP.newFolder("out"),
                "--sink=both",
                "--maxRecords=" + (RealEvents.COUNT + BAD)));
    options.as(DirectOptions.class).setBlockOnRun(false);
    PipelineResult result = IngestPipeline.run(Settings.from(options));
    HttpClient http = HttpClient.newHttpClient();
    Map<String, Double> running;
    Map<String, Double> done;
    try (MetricsEndpoint endpoint = MetricsEndpoint.start(0, result, () -> 42L)) {
      URI uri = URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics");
      running = scrape(http, uri);
      assertEquals(42.0, running.get("streamy_input_lag_records"), 0);
      assertEquals(PipelineResult.State.DONE, result.waitUntilFinish(Duration.standardMinutes(5)));
      done = scrape(http, uri);
    }
    Map<String, Long> summary = IngestPipeline.counters(result);
    for (String counter :
        List.of(
            StreamyCounters.RECORDS_READ,
            StreamyCounters.EVENTS_VALID,
            StreamyCounters.DUPLICATES_REMOVED,
            StreamyCounters.EVENTS_WINDOWED,
            StreamyCounters.DLQ_RECORDS_SENT,
            StreamyCounters.ICEBERG_COMMITS)) {
      assertEquals(
          counter,
          (double) summary.getOrDefault(counter, 0L),
          done.getOrDefault("streamy_" + counter + "_total", 0.0),
          0);
    }
    assertEquals(RealEvents.COUNT + BAD, done.get("streamy_records_read_total"), 0);
    assertEquals(RealEvents.VALID, done.get("streamy_events_windowed_total"), 0);
    assertTrue(done.get("streamy_iceberg_commits_total") > 0);
    Map<ErrorCode, Long> byCode = StreamyCounters.deadLettersByCode(summary);
    for (ErrorCode code : ErrorCode.values()) {
      assertEquals(
          code.name(),
          (double) byCode.getOrDefault(code, 0L),
          done.get("streamy_dead_letters_total{code=\"" + code + "\"}"),
          0);
    }
    assertEquals(BAD, done.get("streamy_dead_letters_total{code=\"PARSE_ERROR\"}"), 0);
    assertTrue(
        done.get("streamy_parquet_rows_written_total")
            >= summary.get(StreamyCounters.EVENTS_WINDOWED));
    assertTrue(done.get("streamy_iceberg_seconds_since_last_commit{table=\"events\"}") >= 0);
    // What the run had counted when first scraped never exceeds the end.
    assertTrue(
        running.getOrDefault("streamy_records_read_total", 0.0)
            <= done.get("streamy_records_read_total"));
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)(?: \\d+)?$");

  /** The samples of the Prometheus text format, {@code name{labels}} to value; checks each line. */
  private static Map<String, Double> scrape(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    Map<String, Double> samples = new TreeMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertTrue("not an exposition line: " + line, m.matches());
      samples.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return samples;
  }
}
