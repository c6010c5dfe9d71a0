package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import picocli.CommandLine;

/**
 * {@code streamy topics} against a real broker: a topic of 5 + 3 records, a group that has
 * committed offset 2 of partition 0 only.
 */
public class TopicsCommandTest {

  private static LocalKafka kafka;

  @BeforeClass
  public static void startBroker() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic("orders", 2);
    kafka.createTopic("empty", 1);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int i = 0; i < 8; i++) {
        producer.send(new ProducerRecord<>("orders", i < 5 ? 0 : 1, null, new byte[] {(byte) i}));
      }
      producer.flush();
    }
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .alterConsumerGroupOffsets(
              "billing", Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(2)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterClass
  public static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** The command's exit code, and its output's lines split into cells. */
  private static List<List<String>> run(int expectedExit, String... args) {
    CommandLine line = Streamy.commandLine();
    StringWriter out = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    String[] all = new String[args.length + 2];
    all[0] = "topics";
    all[1] = "--bootstrapServers=" + kafka.bootstrapServers();
    System.arraycopy(args, 0, all, 2, args.length);
    assertEquals(out.toString(), expectedExit, line.execute(all));
    System.out.print(out); // in the test's report, for a reader
    return out.toString().lines().map(l -> Arrays.asList(l.trim().split("\\s+"))).toList();
  }

  @Test
  public void describesEachPartitionWithTheGroupsCommittedOffsetAndLag() {
    List<List<String>> lines = run(0, "--topic=orders", "--consumerGroup=billing");

    assertEquals(
        List.of(
            "topic",
            "partition",
            "leader",
            "replicas",
            "in-sync",
            "earliest",
            "latest",
            "committed",
            "lag"),
        lines.get(0));
    // Partition 0: 5 records, 2 committed, 3 behind. Partition 1: none committed, all 3 behind.
    assertEquals(List.of("orders", "0", "1", "1", "1", "0", "5", "2", "3"), lines.get(1));
    assertEquals(List.of("orders", "1", "1", "1", "1", "0", "3", "-", "3"), lines.get(2));
    assertEquals(
        List.of("group", "billing", "on", "orders:", "6", "records", "behind"), lines.get(3));
    assertEquals(4, lines.size());
  }

  @Test
  public void listsEveryTopicWithItsRecordsAndTheGroupsLag() {
    List<List<String>> lines = run(0, "--consumerGroup=billing");

    assertEquals(
        List.of("topic", "partitions", "replication", "records", "lag", "of", "billing"),
        lines.get(0));
    assertTrue(lines.toString(), lines.contains(List.of("orders", "2", "1", "8", "6")));
    // A topic the group has never read: no lag to show.
    assertTrue(lines.toString(), lines.contains(List.of("empty", "1", "1", "0", "-")));
  }

  @Test
  public void aGroupThatCommittedNothingIsBehindByEveryRetainedRecord() {
    List<List<String>> lines = run(0, "--topic=orders", "--consumerGroup=nobody");

    assertEquals("5", lines.get(1).get(8));
    assertEquals("3", lines.get(2).get(8));
    assertEquals("8", lines.get(3).get(4));
  }

  @Test
  public void anUnknownTopicIsAUsageError() {
    run(Streamy.USAGE, "--topic=nope");
  }
}
