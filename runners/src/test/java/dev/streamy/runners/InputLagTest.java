package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The progress line's lag, against a real broker: a group that committed part of a topic. */
public class InputLagTest {

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic("lagged", 2);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 100; i++) {
        byte[] value = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>("lagged", i % 2, null, value)).get();
      }
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void countsFromTheGroupsCommittedOffsetsAndWhatTheRunHasRead() throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.commitSync(Map.of(new TopicPartition("lagged", 0), new OffsetAndMetadata(30)));
    }
    Settings settings =
        Settings.from(
            PipelineArgs.parse(
                IngestOptions.class,
                List.of(
                    "--bootstrapServers=" + kafka.bootstrapServers(),
                    "--inputTopic=lagged",
                    "--consumerGroup=billing",
                    "--output=" + TEMP.newFolder("out"))));
    try (InputLag lag = InputLag.of(settings)) {
      assertNotNull(lag);
      assertEquals("unknown before the first refresh", -1, lag.behind(0));
      lag.refresh();
      // Partition 0 starts at the committed 30 of its 50, partition 1 at its log start.
      assertEquals(70, lag.behind(0));
      assertEquals(50, lag.behind(20));
      assertEquals(0, lag.behind(500));
      assertEquals(70, lag.groupLag());
    }
  }
}
