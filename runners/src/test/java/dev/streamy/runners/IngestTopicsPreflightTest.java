package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The ingest's preflight against a real one-broker cluster: it creates a missing DLQ topic (and a
 * missing input topic when asked) as the options say, and refuses to start when it cannot.
 */
public class IngestTopicsPreflightTest {

  private static LocalKafka kafka;

  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @BeforeClass
  public static void startBroker() throws Exception {
    kafka = LocalKafka.start();
  }

  @AfterClass
  public static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private Settings settings(String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--output=" + folder.newFolder().getAbsolutePath()));
    args.addAll(Arrays.asList(extra));
    PipelineOptionsFactory.register(IngestOptions.class);
    return Settings.from(
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
            .withValidation()
            .as(IngestOptions.class));
  }

  private static Map<String, TopicDescription> describe(String... topics) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
    }
  }

  private static Set<String> topics() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  public void createsAMissingDlqTopicWithTheChosenPartitionsAndLeavesAnExistingOneAlone()
      throws Exception {
    kafka.createTopic("orders", 3);

    Preflight.checkIngest(
        settings("--inputTopic=orders", "--deadLetterTopicPartitions=2", "--topicReplication=1"));

    TopicDescription dlq = describe("orders.dlq").get("orders.dlq");
    assertEquals(2, dlq.partitions().size());
    assertEquals(1, dlq.partitions().get(0).replicas().size());
    // A second run with other numbers leaves the topic as it is.
    Preflight.checkIngest(settings("--inputTopic=orders", "--deadLetterTopicPartitions=5"));
    assertEquals(2, describe("orders.dlq").get("orders.dlq").partitions().size());
  }

  @Test
  public void createsAMissingInputTopicOnlyWhenAsked() throws Exception {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> Preflight.checkIngest(settings("--inputTopic=clicks")));
    assertThat(missing.getMessage(), startsWith("--inputTopic=clicks: no such topic"));
    assertFalse("a refused run creates nothing", topics().contains("clicks.dlq"));

    Preflight.checkIngest(settings("--inputTopic=clicks", "--inputTopicPartitions=4"));

    assertEquals(4, describe("clicks").get("clicks").partitions().size());
    assertEquals(1, describe("clicks.dlq").get("clicks.dlq").partitions().size());
  }

  @Test
  public void refusesToStartWhenTheDlqTopicCannotBeCreated() throws Exception {
    kafka.createTopic("payments", 1);

    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> Preflight.checkIngest(settings("--inputTopic=payments", "--topicReplication=3")));

    assertThat(
        refused.getMessage(),
        startsWith("--deadLetterTopic=payments.dlq: the topic is missing and cannot be created"));
    assertThat(refused.getMessage(), containsString("InvalidReplicationFactorException"));
    assertFalse(topics().contains("payments.dlq"));
  }

  @Test
  public void noDlqTopicIsCreatedWhenDeadLettersGoToFilesOnly() throws Exception {
    kafka.createTopic("metrics", 1);

    Preflight.checkIngest(settings("--inputTopic=metrics", "--deadLetterTopic=none"));

    assertFalse(topics().contains("metrics.dlq"));
    assertFalse(topics().contains("none"));
  }
}
