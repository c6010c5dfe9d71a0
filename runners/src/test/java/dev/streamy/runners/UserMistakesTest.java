package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Each mistake a new user makes, tried through the real {@code ./streamy} against a real broker
 * holding records: the command exits 2 within 10 s with one line naming the option, prints no stack
 * trace, and the ingest's consumer group has no committed offset afterwards.
 */
public class UserMistakesTest {

  private static final String TOPIC = "recentchange";
  private static final Duration FAST = Duration.ofSeconds(10);

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;

  @BeforeClass
  public static void startKafkaWithRecords() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 2);
    Generated.send(kafka, TOPIC, 50, 0.1, 0, 3, TEMP.getRoot().toPath().resolve("ledger.ndjson"));
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void anUnreachableBroker() throws Exception {
    StreamyCli.Result run =
        refused(
            "ingest",
            "--bootstrapServers=127.0.0.1:1",
            "--inputTopic=" + TOPIC,
            "--output=" + TEMP.getRoot().toPath().resolve("unreachable"));
    assertThat(run.output(), containsString("--bootstrapServers=127.0.0.1:1: no Kafka broker"));
  }

  @Test
  public void aTopicThatDoesNotExist() throws Exception {
    StreamyCli.Result run = ingest("no-such-topic", "--inputTopic=recentchang");
    assertThat(run.output(), containsString("--inputTopic=recentchang: no such topic"));
    assertThat(run.output(), containsString("recentchange"));
  }

  @Test
  public void anOutputUnderProc() throws Exception {
    StreamyCli.Result run = ingest("proc", "--output=/proc/x");
    assertThat(run.output(), containsString("--output=/proc/x: /proc is a virtual file system"));
  }

  @Test
  public void anOutputThatIsAFile() throws Exception {
    Path file = Files.writeString(TEMP.newFile("a-file").toPath(), "not a folder");
    StreamyCli.Result run = ingest("file", "--output=" + file);
    assertThat(run.output(), containsString("--output=" + file + ": that is a file"));
  }

  @Test
  public void aNegativeRecordCount() throws Exception {
    StreamyCli.Result run = ingest("negative", "--maxRecords=-5");
    assertThat(run.output(), containsString("--maxRecords=-5"));
  }

  @Test
  public void aRecordCountThatIsNoNumber() throws Exception {
    StreamyCli.Result run = ingest("ten", "--maxRecords=ten");
    assertThat(run.output(), containsString("--maxRecords=ten is not a NUMBER"));
  }

  @Test
  public void aContractThatDoesNotExist() throws Exception {
    StreamyCli.Result run = ingest("contract", "--contract=/nonexistent");
    assertThat(run.output(), containsString("contract"));
    assertThat(run.output(), containsString("nonexistent"));
  }

  @Test
  public void anUnknownOptionGetsTheClosestName() throws Exception {
    StreamyCli.Result run = ingest("unknown", "--windowSise=1m");
    assertThat(
        run.output(), containsString("unknown option --windowSise: did you mean --windowSize?"));
  }

  @Test
  public void missingOptionsAreNamedEachOnItsLine() throws Exception {
    Duration startup = startup("ingest");
    StreamyCli.Result run = StreamyCli.run(TEMP.getRoot().toPath(), "ingest", "--maxRecords=5");
    assertUserError(run, 3, startup);
    assertThat(run.lines().get(0), containsString("missing required option --bootstrapServers"));
    assertThat(run.lines().get(1), containsString("missing required option --inputTopic"));
    assertThat(run.lines().get(2), containsString("missing required option --output"));
  }

  @Test
  public void theGeneratorChecksTheBrokerToo() throws Exception {
    StreamyCli.Result run = refused("generate", "--bootstrapServers=127.0.0.1:1", "--count=10");
    assertThat(run.output(), containsString("--bootstrapServers=127.0.0.1:1: no Kafka broker"));
  }

  @Test
  public void theGeneratorRefusesANegativeCount() throws Exception {
    StreamyCli.Result run =
        refused("generate", "--bootstrapServers=" + kafka.bootstrapServers(), "--count=-1");
    assertThat(run.output(), containsString("--count"));
  }

  @Test
  public void anUnknownCommand() throws Exception {
    StreamyCli.Result run = StreamyCli.run(TEMP.getRoot().toPath(), "ingets");
    assertEquals(run.output(), 2, run.exitCode());
    assertThat(run.lines().get(0), containsString("streamy: unknown command 'ingets'"));
  }

  /**
   * {@code ./streamy ingest} against the test broker with a consumer group of its own, the valid
   * options a user would give and {@code mistake} laid over them; checks that it was refused and
   * that the group committed nothing.
   */
  private static StreamyCli.Result ingest(String group, String mistake) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "ingest",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--inputTopic=" + TOPIC,
                "--output=" + TEMP.getRoot().toPath().resolve("out-" + group),
                "--maxRecords=50",
                "--consumerGroup=mistake-" + group));
    String name = mistake.substring(0, mistake.indexOf('=') + 1);
    args.removeIf(arg -> arg.startsWith(name));
    args.add(mistake);
    StreamyCli.Result run = refused(args.toArray(new String[0]));
    assertEquals(
        "offsets committed by group mistake-" + group, Map.of(), committed("mistake-" + group));
    return run;
  }

  /** Runs {@code args}, expecting one line of refusal. */
  private static StreamyCli.Result refused(String... args) throws Exception {
    Duration startup = startup(args[0]);
    StreamyCli.Result run = StreamyCli.run(TEMP.getRoot().toPath(), args);
    assertUserError(run, 1, startup);
    return run;
  }

  /** How long {@code ./streamy <command> --help} takes now: the JVM and the CLI starting. */
  private static Duration startup(String command) throws Exception {
    StreamyCli.Result help = StreamyCli.run(TEMP.getRoot().toPath(), command, "--help");
    assertEquals(help.output(), 0, help.exitCode());
    return help.elapsed();
  }

  private static void assertUserError(StreamyCli.Result run, int lines, Duration startup) {
    String what = Arrays.toString(new String[] {run.output()});
    assertEquals("exit code of " + what, 2, run.exitCode());
    assertThat(
        "how long it took beyond the " + startup.toMillis() + " ms of starting: " + what,
        run.elapsed().minus(startup),
        lessThan(FAST));
    assertThat(what, run.lines(), hasSize(lines));
    for (String line : run.lines()) {
      assertThat(line, startsWith("streamy: "));
    }
    assertThat(run.output(), not(containsString("\tat ")));
    assertThat(run.output(), not(containsString("Exception in thread")));
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get(10, TimeUnit.SECONDS);
    }
  }
}
