package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Starts a real broker JVM, round-trips records through it and checks that close() stops it. */
public class LocalKafkaTest {

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void roundTripsRecordsAndStopsTheBroker() throws Exception {
    long pid;
    Path dir;
    try (LocalKafka kafka = LocalKafka.start()) {
      pid = kafka.pid();
      dir = kafka.directory();
      assertTrue(kafka.isAlive());
      assertThat(kafka.bootstrapServers(), containsString("127.0.0.1:"));
      System.out.println("broker started in " + kafka.startupTime().toMillis() + " ms");

      kafka.createTopic("roundtrip", 3);
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertEquals(
            3,
            admin
                .describeTopics(Set.of("roundtrip"))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get("roundtrip")
                .partitions()
                .size());
      }

      List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        byte[] key = i % 3 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
        byte[] value = {(byte) i, (byte) 0xFF, 0x00, (byte) 0xC3, 'x'};
        List<Header> headers =
            i % 2 == 0
                ? List.of(new RecordHeader("h" + i, new byte[] {(byte) i, (byte) 0x80}))
                : List.of();
        sent.add(new ProducerRecord<>("roundtrip", i % 3, key, value, headers));
      }
      Map<String, RecordMetadata> written = new HashMap<>();
      try (KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
        for (ProducerRecord<byte[], byte[]> record : sent) {
          RecordMetadata md = producer.send(record).get(30, TimeUnit.SECONDS);
          written.put(md.partition() + "/" + md.offset(), md);
        }
      }

      List<ConsumerRecord<byte[], byte[]>> received = consumeAll(kafka.bootstrapServers(), 9);
      assertEquals(9, received.size());
      assertEquals(written.keySet().size(), 9);
      for (ProducerRecord<byte[], byte[]> expected : sent) {
        ConsumerRecord<byte[], byte[]> actual =
            received.stream()
                .filter(r -> r.partition() == expected.partition())
                .filter(r -> java.util.Arrays.equals(r.value(), expected.value()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("not received: " + expected));
        if (expected.key() == null) {
          assertNull(actual.key());
        } else {
          assertArrayEquals(expected.key(), actual.key());
        }
        Header[] want = expected.headers().toArray();
        Header[] got = actual.headers().toArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i].key(), got[i].key());
          assertArrayEquals(want[i].value(), got[i].value());
        }
      }
    }
    assertFalse(
        "broker process still running", // a zombie not yet reaped by this JVM has ended too
        ProcessHandle.of(pid).map(LocalProcesses::isRunning).orElse(false));
    assertFalse("broker folder not deleted", Files.exists(dir));
  }

  @Test
  public void refusesAMissingLibFolder() {
    Path missing = tmp.getRoot().toPath().resolve("nope");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> LocalKafka.start(missing));
    assertThat(e.getMessage(), containsString("does not exist"));
  }

  @Test
  public void refusesBrokerJarsWithAnotherReleasesClients() throws Exception {
    Path lib = tmp.newFolder("lib").toPath();
    Files.createFile(lib.resolve("kafka_2.13-4.1.1.jar"));
    Files.createFile(lib.resolve("kafka-clients-3.9.1.jar"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> LocalKafka.start(lib, Duration.ofSeconds(5), "64m"));
    assertThat(e.getMessage(), containsString("needs kafka-clients 4.1.1"));
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static List<ConsumerRecord<byte[], byte[]>> consumeAll(String bootstrap, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          List.of(
              new TopicPartition("roundtrip", 0),
              new TopicPartition("roundtrip", 1),
              new TopicPartition("roundtrip", 2));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }
}
