package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.generator.Ledger;
import dev.streamy.runners.LocalKafka;
import dev.streamy.transforms.Contract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The baseline against a real broker: the generator fills a 2-partition topic with good, bad and
 * duplicate records and writes its ledger; the baseline reads them all; its Parquet output (read
 * back by DuckDB), its summary and the DLQ topic must match the ledger record by record.
 */
public class BaselineSmokeTest {

  private static final String TOPIC = "smoke";
  private static final int RECORDS = 2_000;

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Expected expected;
  private static BaselineRun.Summary summary;
  private static Path output;

  @BeforeClass
  public static void runBaselineOnGeneratedRecords() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC + ".dlq", 1);
    Path ledger = TEMP.getRoot().toPath().resolve("ledger.ndjson");
    PipelineOptionsFactory.register(GeneratorOptions.class);
    GenerateEvents.run(
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topic=" + TOPIC,
                "--partitions=2",
                "--count=" + RECORDS,
                "--badShare=0.2",
                "--duplicateShare=0.05",
                "--seed=11",
                "--ledger=" + ledger)
            .as(GeneratorOptions.class));
    List<Ledger.Entry> entries = Ledger.read(ledger);
    assertEquals(RECORDS, entries.size());
    expected = Expected.from(entries);

    output = TEMP.newFolder("out").toPath();
    summary =
        BaselineRun.run(
            BaselineConfig.builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setInputTopic(TOPIC)
                .setMaxRecords(RECORDS)
                .setOutput(output)
                .setDeadLetterTopic(TOPIC + ".dlq")
                .build());
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void theGeneratorSentEveryKindOfRecord() {
    assertTrue(expected.deduped() > 0);
    assertTrue(expected.deadLetters().toString(), expected.deadLetters().size() >= 10);
    assertTrue(expected.deadLetters().containsKey("TOO_LARGE"));
  }

  @Test
  public void summaryCountsEqualTheLedger() {
    assertEquals(RECORDS, summary.read());
    assertEquals(expected.events(), summary.events());
    assertEquals(expected.deduped(), summary.duplicates());
    assertEquals(expected.deadLetters(), new TreeMap<>(summary.deadLettersByCode()));
    assertTrue(summary.windows() > 0);
    assertTrue(summary.aggregates() >= summary.windows());
  }

  @Test
  public void parquetOutputReadBackByDuckDbMatchesTheLedgerRecordByRecord() {
    Contract contract = Contract.load(Contract.DEFAULT);
    LedgerCheck.Result check = LedgerCheck.parquet(output, expected, contract, 60_000);
    assertTrue(check.summary(), check.passed());
  }

  @Test
  public void summaryLineRoundTrips() throws Exception {
    assertEquals(summary, BaselineRun.Summary.fromJson(summary.toJson()));
  }

  @Test
  public void deadLetterTopicHoldsEveryDeadLetterWithItsCode() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    Map<String, Long> codes = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition dlq = new TopicPartition(TOPIC + ".dlq", 0);
      consumer.assign(List.of(dlq));
      consumer.seekToBeginning(List.of(dlq));
      long end = consumer.endOffsets(List.of(dlq)).get(dlq);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.position(dlq) < end) {
        assertTrue("read the DLQ topic within 30 s", System.nanoTime() < deadline);
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          codes.merge(
              new String(record.headers().lastHeader("dlq.error.code").value()), 1L, Long::sum);
        }
      }
    }
    assertEquals(expected.deadLetters(), codes);
  }
}
