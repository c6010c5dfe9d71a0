package dev.streamy.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.io.WriteDeadLetters;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * The DLQ topic on a real broker, as a {@code read_committed} consumer sees it: a job that is run
 * again over dead letters it already sent (a replay) adds only the new ones, an open transaction
 * left by a dead producer of the sink is aborted and never shown, and a job with another sink id
 * gets its own copies.
 */
public class DlqTopicExactlyOnceTest {

  private static final String TOPIC = "events.dlq";

  private static List<DeadLetter> deadLetters(int from, int to) {
    return deadLetters(from, to, "{".getBytes(StandardCharsets.UTF_8));
  }

  private static List<DeadLetter> deadLetters(int from, int to, byte[] value) {
    return IntStream.range(from, to)
        .mapToObj(
            offset ->
                DeadLetter.of(
                        SourceRecord.create(
                            "events",
                            offset % 3,
                            offset,
                            Instant.parse("2024-08-22T13:00:05Z"),
                            null,
                            value,
                            List.of()),
                        Stage.PARSE,
                        ErrorCode.PARSE_ERROR)
                    .build())
        .collect(Collectors.toList());
  }

  private static void send(String bootstrap, String sinkId, List<DeadLetter> deadLetters) {
    send(bootstrap, TOPIC, sinkId, deadLetters);
  }

  private static void send(
      String bootstrap, String topic, String sinkId, List<DeadLetter> deadLetters) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline
        .apply(Create.of(deadLetters).withCoder(DeadLetter.coder()))
        .apply(
            WriteDeadLetters.stampedAs("test", "1")
                .toTopic(bootstrap, topic, Map.of())
                .withSinkId(sinkId));
    pipeline.run().waitUntilFinish();
  }

  /** How many copies of each source offset a read_committed consumer sees, per sink id. */
  private static Map<String, Map<Long, Integer>> committed(String bootstrap) {
    Map<String, Map<Long, Integer>> copies = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> record : committedRecords(bootstrap, TOPIC)) {
      copies
          .computeIfAbsent(header(record, "dlq.sink.id"), sink -> new TreeMap<>())
          .merge(Long.parseLong(header(record, "dlq.source.offset")), 1, Integer::sum);
    }
    return copies;
  }

  /** Every record of {@code topic} a read_committed consumer sees. */
  private static List<ConsumerRecord<byte[], byte[]>> committedRecords(
      String bootstrap, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Read up to the log end, not to the last stable offset: a transaction's commit (or abort)
      // markers reach the partitions a moment after commitTransaction returns, and until then the
      // last stable offset still stands before it. Every transaction of the test ends (the zombie's
      // is aborted by the next producer of its id), so the position reaches the log end.
      Map<TopicPartition, Long> ends = logEnds(bootstrap, partitions);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("read_committed never reached the log end " + ends);
        }
        consumer.poll(java.time.Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** The log end offsets (read_uncommitted: past open and unresolved transactions). */
  private static Map<TopicPartition, Long> logEnds(
      String bootstrap, List<TopicPartition> partitions) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return consumer.endOffsets(partitions);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "none" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static Map<Long, Integer> once(int from, int to) {
    Map<Long, Integer> expected = new TreeMap<>();
    IntStream.range(from, to).forEach(offset -> expected.put((long) offset, 1));
    return expected;
  }

  @Test
  public void aReplayAddsOnlyWhatIsNewAndADeadProducersTransactionNeverShows() throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic(TOPIC, 2);
      String bootstrap = kafka.bootstrapServers();

      send(bootstrap, "job-a", deadLetters(0, 1500));
      assertEquals(Map.of("job-a", once(0, 1500)), committed(bootstrap));

      // A producer of the sink that died mid-transaction: its record must never show.
      Properties zombie = new Properties();
      zombie.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      zombie.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "streamy-dlq-job-a");
      try (KafkaProducer<byte[], byte[]> dead =
          new KafkaProducer<>(zombie, new ByteArraySerializer(), new ByteArraySerializer())) {
        dead.initTransactions();
        dead.beginTransaction();
        dead.send(new ProducerRecord<>(TOPIC, null, "never".getBytes(StandardCharsets.UTF_8)));
        dead.flush();

        // The same sink again, without state, over 1,000..1,519: a replay of 500 it sent and 20
        // it did not.
        send(bootstrap, "job-a", deadLetters(1000, 1520));
        dead.close(java.time.Duration.ZERO);
      }
      // Another job of its own sink id over the same records: its copies are its own.
      send(bootstrap, "job-b", deadLetters(0, 10));

      Map<String, Map<Long, Integer>> expected = new TreeMap<>();
      expected.put("job-a", once(0, 1520));
      expected.put("job-b", once(0, 10));
      assertEquals(expected, committed(bootstrap));
    }
  }

  @Test
  public void aDeadLetterOverTheDlqTopicsLimitIsCutToFitInsteadOfFailingEveryRetry()
      throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      // A DLQ topic that takes less than the producer's 1 MiB max.request.size.
      kafka.createTopic("small.dlq", 1, Map.of("max.message.bytes", "4096"));
      byte[] value = new byte[20_000];
      Arrays.fill(value, (byte) 'x');

      send(kafka.bootstrapServers(), "small.dlq", "job-a", deadLetters(0, 3, value));

      List<ConsumerRecord<byte[], byte[]>> records =
          committedRecords(kafka.bootstrapServers(), "small.dlq");
      assertEquals(3, records.size());
      for (ConsumerRecord<byte[], byte[]> record : records) {
        assertEquals("value", header(record, "dlq.topic.truncated"));
        assertEquals("20000", header(record, "dlq.value.size"));
        assertTrue(record.value().length > 2_000 && record.value().length < 4_096);
        assertTrue(Arrays.equals(Arrays.copyOf(value, record.value().length), record.value()));
      }
    }
  }
}
