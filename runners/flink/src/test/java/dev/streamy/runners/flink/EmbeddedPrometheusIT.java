package dev.streamy.runners.flink;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.Ledger;
import dev.streamy.runners.Generated;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.StreamyCli;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Test;

/**
 * {@code ./streamy ingest --metricsPort=N} streaming on the embedded default: Flink's Prometheus
 * reporter serves the job's metrics, and streamy's counters in them, summed over the steps and
 * subtasks that count them, are what the generator's ledger says of the records sent.
 */
public class EmbeddedPrometheusIT {

  private static final String TOPIC = "recentchange";
  private static final int COUNT = 2_000;
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private Process run;

  @After
  public void stopRun() {
    if (run != null) {
      run.descendants().forEach(ProcessHandle::destroyForcibly);
      run.destroyForcibly();
    }
  }

  @Test
  public void aScrapeOfTheRunningJobHoldsStreamysCounters() throws Exception {
    Path work =
        Files.createTempDirectory(Files.createDirectories(Path.of("target")), "prometheus-")
            .toAbsolutePath();
    int port = freePort();
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 2);
      kafka.createTopic(TOPIC + ".dlq", 1);
      List<Ledger.Entry> sent =
          Generated.send(kafka, TOPIC, COUNT, 0.1, 0.02, 21, work.resolve("ledger.ndjson"));
      Map<String, Long> expected = new TreeMap<>();
      for (Ledger.Entry entry : sent) {
        String outcome = entry.expected();
        if (outcome.startsWith("DLQ:")) {
          expected.merge("dead_letters_" + outcome.substring(4), 1L, Long::sum);
        } else {
          expected.merge("events_valid", 1L, Long::sum);
          if (outcome.equals("DEDUPED")) {
            expected.merge("duplicates_removed", 1L, Long::sum);
          }
        }
      }
      expected.put("records_read", (long) COUNT);
      Path log = work.resolve("run.log");
      run =
          StreamyCli.start(
              work,
              log,
              "ingest",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--inputTopic=" + TOPIC,
              "--output=" + work.resolve("out"),
              "--parallelism=2",
              "--checkpointingInterval=2000",
              "--metricsPort=" + port);
      URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
      HttpClient http = HttpClient.newHttpClient();
      Map<String, Long> scraped = Map.of();
      Instant deadline = Instant.now().plus(TIMEOUT);
      while (!scraped.getOrDefault("records_read", 0L).equals((long) COUNT)
          || !scraped.getOrDefault("events_valid", 0L).equals(expected.get("events_valid"))) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError(
              "the scrape never counted the records: " + scraped + "\n" + Files.readString(log));
        }
        TimeUnit.MILLISECONDS.sleep(500); // polling interval
        scraped = streamyCounters(http, uri);
      }
      for (Map.Entry<String, Long> counter : expected.entrySet()) {
        assertEquals(
            counter.getKey(), counter.getValue(), scraped.getOrDefault(counter.getKey(), 0L));
      }
      assertTrue(
          Files.readString(log).contains("metrics for Prometheus at http://localhost:" + port));
    }
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)(?: \\d+)?$");

  /**
   * streamy's counters in a scrape of the Prometheus text format, {@code flink_..._streamy_<name>}
   * summed over every step and subtask, by {@code <name>}; empty while the job is not up yet.
   */
  private static Map<String, Long> streamyCounters(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> response;
    try {
      response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException notYet) {
      return Map.of();
    }
    assertEquals(200, response.statusCode());
    Map<String, Long> counters = new TreeMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertTrue("not an exposition line: " + line, m.matches());
      int at = m.group(1).indexOf("_streamy_");
      if (at >= 0) {
        counters.merge(
            m.group(1).substring(at + "_streamy_".length()),
            (long) Double.parseDouble(m.group(3)),
            Long::sum);
      }
    }
    return counters;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
