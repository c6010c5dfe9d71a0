package dev.streamy.runners.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.runners.Generated;
import dev.streamy.runners.LocalKafka;
import dev.streamy.runners.StreamyCli;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The CLI's Flink commands as a user types them, through the real {@code ./streamy}: {@code
 * flink-cluster start}, {@code status}, the web UI, a bounded {@code ingest --runner=flink}
 * submitted to the cluster, the Flink CLI, and {@code stop}, which leaves no JVM behind.
 */
public class FlinkClusterCommandIT {

  private static final String TOPIC = "recentchange";
  private static final int RECORDS = 200;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void startStatusIngestAndStopThroughTheCli() throws Exception {
    Path dir = temp.newFolder("cluster").toPath();
    Path work = temp.getRoot().toPath();
    Map<String, String> env =
        Map.of(
            "STREAMY_FLINK_DIR", dir.toString(),
            "STREAMY_FLINK_LIB", System.getProperty("streamy.flink.lib"));
    int restPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      restPort = socket.getLocalPort();
    }
    List<Long> pids = new ArrayList<>();
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 1);
      Generated.send(kafka, TOPIC, RECORDS, 0.1, 0, 5, work.resolve("ledger.ndjson"));

      StreamyCli.Result start =
          StreamyCli.run(
              work,
              env,
              "flink-cluster",
              "start",
              "--taskmanagers=1",
              "--slots=1",
              "--rest-port=" + restPort);
      assertEquals(start.output(), 0, start.exitCode());
      assertThat(start.output(), containsString("web UI: http://localhost:" + restPort));
      pids.addAll(pids(dir));
      assertEquals("a JobManager and a TaskManager: " + start.output(), 2, pids.size());

      StreamyCli.Result status = StreamyCli.run(work, env, "flink-cluster", "status");
      assertEquals(status.output(), 0, status.exitCode());
      assertThat(status.output(), containsString("TaskManagers:   1 registered (taskmanager-1)"));
      assertThat(status.output(), containsString("slots:          1 free of 1"));

      HttpResponse<String> ui =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ui.statusCode());
      assertThat(ui.body(), containsString("Apache Flink Web Dashboard"));

      Path output = work.resolve("out");
      StreamyCli.Result ingest =
          StreamyCli.run(
              work,
              env,
              "ingest",
              "--runner=flink",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--inputTopic=" + TOPIC,
              "--output=" + output,
              "--maxRecords=" + RECORDS,
              "--deadLetterTopic=none");
      assertEquals(ingest.output(), 0, ingest.exitCode());
      assertThat(ingest.output(), containsString("job 'streamy-ingest' ended DONE"));
      assertTrue("events written: " + ingest.output(), hasParquet(output.resolve("events")));

      StreamyCli.Result list =
          StreamyCli.run(work, env, "flink-cluster", "flink", "--", "list", "-a");
      assertEquals(list.output(), 0, list.exitCode());
      assertThat(list.output(), containsString("streamy-ingest (FINISHED)"));

      StreamyCli.Result refused =
          StreamyCli.run(
              work,
              env,
              "ingest",
              "--runner=flink",
              "--bootstrapServers=127.0.0.1:1",
              "--inputTopic=" + TOPIC,
              "--output=" + output);
      assertEquals(refused.output(), 2, refused.exitCode());
      assertThat(refused.output(), containsString("streamy: --bootstrapServers=127.0.0.1:1"));
    } finally {
      StreamyCli.Result stop = StreamyCli.run(work, env, "flink-cluster", "stop");
      assertEquals(stop.output(), 0, stop.exitCode());
    }
    for (long pid : pids) {
      assertFalse("pid " + pid + " still runs after stop", running(pid));
    }
    StreamyCli.Result status = StreamyCli.run(work, env, "flink-cluster", "status");
    assertEquals(status.output(), 3, status.exitCode());
  }

  private static List<Long> pids(Path dir) throws Exception {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir.resolve("pids"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        pids.add(Long.parseLong(Files.readString(file).trim()));
      }
    }
    return pids;
  }

  /** Alive and not a zombie: a stopped JVM whose new parent has not reaped it yet has ended. */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) || !Files.exists(stat)) {
      return false;
    }
    String text = Files.readString(stat);
    return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
  }

  private static boolean hasParquet(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(f -> f.toString().endsWith(".parquet"));
    }
  }
}
