package dev.streamy.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The checks before a run, each failing at once with one line naming the option. Those that need a
 * real broker (the topic) are in the CLI's tests in {@code runners}.
 */
public class PreflightTest {

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static String refusal(Runnable check) {
    String message = assertThrows(IllegalArgumentException.class, check::run).getMessage();
    assertTrue(message, !message.contains("\n"));
    return message;
  }

  @Test
  public void aBrokerNobodyListensForFailsAtOnce() {
    long started = System.nanoTime();
    String message = refusal(() -> Preflight.checkBroker("127.0.0.1:1", Map.of()));
    assertThat(message, containsString("--bootstrapServers=127.0.0.1:1: no Kafka broker answers"));
    assertThat(message, containsString("Connection refused"));
    assertThat((System.nanoTime() - started) / 1_000_000L, lessThan(5_000L));
  }

  @Test
  public void somethingThatIsNoKafkaBrokerFailsWithinTheTimeout() throws Exception {
    // Accepts connections and never answers: a wrong port, or TLS expected.
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      String servers = "127.0.0.1:" + silent.getLocalPort();
      long started = System.nanoTime();
      String message = refusal(() -> Preflight.checkBroker(servers, Map.of()));
      assertThat(message, containsString("--bootstrapServers=" + servers + ": something listens"));
      assertThat(
          (System.nanoTime() - started) / 1_000_000L,
          lessThan(Preflight.TIMEOUT.toMillis() + 3_000L));
    }
  }

  @Test
  public void bootstrapServersMustBeHostAndPort() {
    assertThat(
        refusal(() -> Preflight.checkBroker("localhost", Map.of())),
        containsString("'localhost' is not host:port"));
  }

  @Test
  public void anOutputUnderProcFailsBeforeTheBrokerIsAsked() {
    assertThat(
        refusal(() -> Preflight.checkIngest("127.0.0.1:1", Map.of(), "t", "/proc/x")),
        containsString("--output=/proc/x: /proc is a virtual file system"));
  }

  @Test
  public void anOutputThatIsAFileOrUnderAFileFails() throws Exception {
    Path file = temp.newFile("file").toPath();
    assertThat(
        refusal(() -> Preflight.checkOutput(file.toString())),
        containsString("--output=" + file + ": that is a file"));
    assertThat(
        refusal(() -> Preflight.checkOutput(file.resolve("below").toString())),
        containsString(file + " is a file"));
  }

  @Test
  public void aWritableOutputIsCreatedAndLeftWithoutTheProbe() throws Exception {
    Path output = temp.getRoot().toPath().resolve("new/out");
    Preflight.checkOutput(output.toString());
    assertTrue(Files.isDirectory(output));
    try (var files = Files.list(output)) {
      assertTrue("the probe file is gone", files.findAny().isEmpty());
    }
    Preflight.checkOutput("file://" + output);
    Preflight.checkOutput("s3://bucket/streamy"); // another file system: Beam's to check
  }
}
