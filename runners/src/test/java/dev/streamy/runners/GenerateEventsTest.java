package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.generator.EventFactory.Kind;
import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.generator.Ledger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The generator against a real broker: the ledger and the topic agree record by record. */
public class GenerateEventsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static LocalKafka kafka;

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = LocalKafka.start();
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void ledgerMatchesTheTopicExactly() throws Exception {
    Path ledgerPath = tmp.getRoot().toPath().resolve("ledger.ndjson");
    GenerateEvents.Summary summary =
        GenerateEvents.run(options("recentchange", 500, 7, ledgerPath));
    List<Ledger.Entry> ledger = Ledger.read(ledgerPath);
    assertEquals(500, summary.sent());
    assertEquals(500, ledger.size());

    Map<String, ConsumerRecord<byte[], byte[]>> topic = consumeAll("recentchange", 3);
    assertEquals("every record in the topic once", 500, topic.size());
    Map<String, Ledger.Entry> byOffset = new HashMap<>();
    for (Ledger.Entry entry : ledger) {
      assertNull(
          "each partition/offset once in the ledger",
          byOffset.put(entry.partition() + "/" + entry.offset(), entry));
    }
    assertEquals(topic.keySet(), byOffset.keySet());

    Map<String, byte[]> goodById = new HashMap<>();
    for (Ledger.Entry entry : ledger) {
      assertEquals(entry.kind().expected().toString(), entry.expected());
      ConsumerRecord<byte[], byte[]> record = topic.get(entry.partition() + "/" + entry.offset());
      switch (entry.kind()) {
        case GOOD -> {
          JsonNode event = MAPPER.readTree(record.value());
          assertEquals(entry.eventId(), event.get("meta").get("id").asText());
          assertArrayEquals(
              event.get("wiki").asText().getBytes(StandardCharsets.UTF_8), record.key());
          assertNull("good ids are fresh", goodById.put(entry.eventId(), record.value()));
        }
        case TOMBSTONE -> assertNull(record.value());
        case EMPTY -> assertEquals(0, record.value().length);
        default -> assertNotNull(record.value());
      }
    }
    long duplicates = 0;
    for (Ledger.Entry entry : ledger) {
      if (entry.kind() == Kind.DUPLICATE) {
        duplicates++;
        byte[] original = goodById.get(entry.eventId());
        assertNotNull("a duplicate repeats a good event of the run", original);
        assertArrayEquals(original, topic.get(entry.partition() + "/" + entry.offset()).value());
      }
    }
    assertThat(duplicates, greaterThan(0L));
    Set<Kind> kinds = ledger.stream().map(Ledger.Entry::kind).collect(Collectors.toSet());
    assertTrue(
        "the whole bad-input catalogue is in the topic, missing: " + missing(kinds),
        kinds.containsAll(Kind.badKinds()));
    assertEquals(summary.deadLetters(), ledger.stream().filter(e -> e.kind().isBad()).count());
  }

  @Test
  public void sameSeedSendsTheSameRecords() throws Exception {
    Path first = tmp.getRoot().toPath().resolve("first.ndjson");
    Path second = tmp.getRoot().toPath().resolve("second.ndjson");
    GenerateEvents.run(options("again-1", 200, 11, first));
    GenerateEvents.run(options("again-2", 200, 11, second));
    // Partitions of null-keyed records and the ack order may differ; what was sent may not.
    assertEquals(sentRecords(first), sentRecords(second));
  }

  private static Map<String, Long> sentRecords(Path ledger) throws Exception {
    return Ledger.read(ledger).stream()
        .collect(Collectors.groupingBy(e -> e.kind() + " " + e.eventId(), Collectors.counting()));
  }

  private GeneratorOptions options(String topic, long count, long seed, Path ledger) {
    return PipelineOptionsFactory.fromArgs(
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topic=" + topic,
            "--count=" + count,
            "--seed=" + seed,
            "--badShare=0.1",
            "--duplicateShare=0.02",
            "--partitions=3",
            "--ledger=" + ledger)
        .withValidation()
        .as(GeneratorOptions.class);
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> consumeAll(
      String topic, int partitions) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, ConsumerRecord<byte[], byte[]>> records = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> assigned = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        assigned.add(new TopicPartition(topic, info.partition()));
      }
      assertEquals(partitions, assigned.size());
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      Map<TopicPartition, Long> end = consumer.endOffsets(assigned, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (assigned.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertTrue("timed out reading " + topic, System.nanoTime() < deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          assertNull(
              "one record per partition/offset", records.put(r.partition() + "/" + r.offset(), r));
        }
      }
    }
    return records;
  }

  private static Set<Kind> missing(Set<Kind> kinds) {
    Set<Kind> missing = EnumSet.noneOf(Kind.class);
    missing.addAll(Kind.badKinds());
    missing.removeAll(kinds);
    return missing;
  }
}
