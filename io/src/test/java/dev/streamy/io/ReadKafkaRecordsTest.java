package dev.streamy.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.testing.Displayed;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ReadKafkaRecordsTest {

  private static final String JAAS_SECRET = "s3cr3t-jaas-pw";
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\""
          + JAAS_SECRET
          + "\";";
  private static final String KEY_SECRET = "s3cr3t-key-pw";
  private static final Instant NOW = Instant.parse("2024-08-22T14:00:00Z");
  private static final Duration DELAY = Duration.standardSeconds(30);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static Map<String, String> configWithSecrets() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("security.protocol", "SASL_PLAINTEXT");
    config.put("sasl.mechanism", "PLAIN");
    config.put("sasl.jaas.config", JAAS);
    config.put("ssl.key.password", KEY_SECRET);
    config.put("max.poll.records", "500");
    return config;
  }

  private static ReadKafkaRecords read() {
    return ReadKafkaRecords.from("127.0.0.1:9", "recentchange")
        .withConsumerConfig(configWithSecrets())
        .withEventTime(List.of("meta", "dt"), DELAY)
        .withConsumerGroup("streamy-test")
        .withMaxRecords(10);
  }

  private static void assertNoSecret(List<String> displayed) {
    for (String value : displayed) {
      assertFalse(value, value.contains(JAAS_SECRET));
      assertFalse(value, value.contains(KEY_SECRET));
      assertFalse(value, value.contains("PlainLoginModule"));
    }
  }

  @Test
  public void displayDataHoldsNoSecret() {
    List<String> ours = Displayed.values(DisplayData.from(read()));
    assertNoSecret(ours);
    assertTrue(
        ours.toString(), ours.toString().contains("sasl.jaas.config=" + KafkaConfig.REDACTED));

    List<String> kafka = Displayed.values(DisplayData.from(read().kafkaRead()));
    assertNoSecret(kafka);
    // Not vacuous: the public settings do reach KafkaIO's (displayed) config.
    assertTrue(kafka.toString(), kafka.toString().contains("security.protocol=SASL_PLAINTEXT"));
    assertTrue(kafka.toString(), kafka.toString().contains("max.poll.records=500"));
  }

  @Test
  public void expandedPipelineDisplayDataHoldsNoSecret() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    // Streaming: a bounded read asks the (absent) broker for its partitions while expanding.
    p.apply("Read", read().withMaxRecords(0));
    List<String> displayed = Displayed.everywhere(p);
    assertTrue(displayed.size() > 10);
    assertTrue(displayed.toString().contains("security.protocol=SASL_PLAINTEXT"));
    assertNoSecret(displayed);
  }

  @Test
  public void secretsReachTheConsumerThroughTheFactory() {
    KafkaIO.Read<byte[], byte[]> kafka = read().kafkaRead();
    assertFalse(kafka.getConsumerConfig().containsKey("sasl.jaas.config"));
    assertFalse(kafka.getConsumerConfig().containsKey("ssl.key.password"));
    assertTrue(kafka.getConsumerFactoryFn() instanceof SecretConfigFactory);
    SecretConfigFactory<?> factory = (SecretConfigFactory<?>) kafka.getConsumerFactoryFn();

    Map<String, Object> finalConfig = factory.configFor(kafka.getConsumerConfig());
    assertEquals(JAAS, finalConfig.get("sasl.jaas.config"));
    assertEquals(KEY_SECRET, finalConfig.get("ssl.key.password"));
    assertEquals("SASL_PLAINTEXT", finalConfig.get("security.protocol"));
    assertFalse(factory.toString().contains(JAAS_SECRET));

    // A real consumer accepts the merged config (SASL/PLAIN login needs the JAAS secret).
    Map<String, Object> withoutKeyPassword = new LinkedHashMap<>(kafka.getConsumerConfig());
    try (Consumer<byte[], byte[]> consumer =
        SecretConfigFactory.consumers(Map.of("sasl.jaas.config", JAAS)).apply(withoutKeyPassword)) {
      assertNotNull(consumer);
    }
  }

  @Test
  public void withoutSecretsKafkaIoCreatesItsOwnConsumers() {
    KafkaIO.Read<byte[], byte[]> kafka =
        ReadKafkaRecords.from("127.0.0.1:9", "t")
            .withConsumerConfig(Map.of("max.poll.records", "5"))
            .kafkaRead();
    assertFalse(kafka.getConsumerFactoryFn() instanceof SecretConfigFactory);
  }

  @Test
  public void readsFromTheStartWithoutAutoCommit() {
    KafkaIO.Read<byte[], byte[]> kafka = read().kafkaRead();
    Map<String, Object> config = kafka.getConsumerConfig();
    assertEquals("false", String.valueOf(config.get("enable.auto.commit")));
    assertEquals("earliest", config.get("auto.offset.reset"));
    assertEquals("streamy-test", config.get("group.id"));
    assertEquals("127.0.0.1:9", config.get("bootstrap.servers"));
    assertTrue(kafka.isCommitOffsetsInFinalizeEnabled());
    // Record quotas are set per partition when a bounded read expands (PartitionQuotas).
    assertEquals(Long.MAX_VALUE, kafka.getMaxNumRecords());

    KafkaIO.Read<byte[], byte[]> unbounded = ReadKafkaRecords.from("127.0.0.1:9", "t").kafkaRead();
    assertFalse(unbounded.isCommitOffsetsInFinalizeEnabled());
    assertEquals(Long.MAX_VALUE, unbounded.getMaxNumRecords());
  }

  @Test
  public void rejectsSettingsItManages() {
    ReadKafkaRecords base = ReadKafkaRecords.from("b:1", "t");
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withConsumerConfig(Map.of("value.deserializer", "x.Json")));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withConsumerConfig(Map.of("enable.auto.commit", "true")));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withConsumerConfig(Map.of("bootstrap.servers", "other:1")));
    assertThrows(IllegalArgumentException.class, () -> ReadKafkaRecords.from("", "t"));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withEventTime(List.of("meta", "dt"), Duration.millis(-1)));
    base.withConsumerConfig(Map.of("enable.auto.commit", "false"));
  }

  @Test
  public void timestampIsEventTimeElseKafkaTimeNeverAfterNow() {
    ReadKafkaRecords.EventTimeFn fn =
        new ReadKafkaRecords.EventTimeFn(EventTimeScanner.of(List.of("meta", "dt")));
    long kafkaTime = Instant.parse("2024-08-22T13:59:00Z").getMillis();
    assertEquals(
        Instant.parse("2024-08-22T13:00:05Z"),
        fn.timestampOf(json("2024-08-22T13:00:05Z"), kafkaTime, NOW));
    assertEquals(new Instant(kafkaTime), fn.timestampOf(json("not a time"), kafkaTime, NOW));
    assertEquals(new Instant(kafkaTime), fn.timestampOf(bytes("{broken"), kafkaTime, NOW));
    assertEquals(new Instant(kafkaTime), fn.timestampOf(null, kafkaTime, NOW));
    // A future event time takes the record's Kafka time, not the reading time: a backlog read
    // an hour later keeps its watermark where its records are.
    assertEquals(
        new Instant(kafkaTime), fn.timestampOf(json("2999-01-01T00:00:00Z"), kafkaTime, NOW));
    assertEquals(
        new Instant(kafkaTime),
        fn.timestampOf(
            json("2999-01-01T00:00:00Z"), kafkaTime, NOW.plus(Duration.standardHours(1))));
    assertEquals(NOW, fn.timestampOf(json("2999-01-01T00:00:00Z"), NOW.getMillis() + 60_000, NOW));
    assertEquals(NOW, fn.timestampOf(null, NOW.getMillis() + 60_000, NOW));
    assertEquals(
        BoundedWindow.TIMESTAMP_MIN_VALUE,
        fn.timestampOf(json("-999999-01-01T00:00:00Z"), Long.MIN_VALUE, NOW));

    ReadKafkaRecords.EventTimeFn kafkaOnly = new ReadKafkaRecords.EventTimeFn(null);
    assertEquals(
        new Instant(kafkaTime),
        kafkaOnly.timestampOf(json("2024-08-22T13:00:05Z"), kafkaTime, NOW));
  }

  @Test
  public void watermarkAdvancesOnAPartitionThatNeverHadARecord() {
    TimestampPolicy<byte[], byte[]> policy = policy(Optional.empty());
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, policy.getWatermark(context(5, NOW)));
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, policy.getWatermark(context(-1, NOW)));
    assertEquals(NOW.minus(DELAY), policy.getWatermark(context(0, NOW)));
    assertEquals(
        NOW.plus(Duration.standardMinutes(1)).minus(DELAY),
        policy.getWatermark(context(0, NOW.plus(Duration.standardMinutes(1)))));
  }

  @Test
  public void watermarkTrailsEventTimeThenAdvancesWhenIdle() {
    TimestampPolicy<byte[], byte[]> policy = policy(Optional.empty());
    Instant t1 = NOW.minus(Duration.standardMinutes(10));
    assertEquals(t1, policy.getTimestampForRecord(context(3, NOW), record(t1)));
    assertEquals(
        NOW.minus(Duration.standardMinutes(8)),
        policy.getTimestampForRecord(
            context(2, NOW), record(NOW.minus(Duration.standardMinutes(8)))));
    assertEquals(
        NOW.minus(Duration.standardMinutes(9)),
        policy.getTimestampForRecord(
            context(1, NOW), record(NOW.minus(Duration.standardMinutes(9)))));
    assertEquals(
        NOW.minus(Duration.standardMinutes(8)).minus(DELAY), policy.getWatermark(context(1, NOW)));
    // Caught up and idle: the watermark moves on to now - delay.
    assertEquals(NOW.minus(DELAY), policy.getWatermark(context(0, NOW)));
    // A late straggler afterwards does not move the watermark back.
    policy.getTimestampForRecord(context(1, NOW), record(NOW.minus(Duration.standardMinutes(20))));
    assertEquals(NOW.minus(DELAY), policy.getWatermark(context(1, NOW)));
  }

  @Test
  public void watermarkResumesFromTheCheckpointedOne() {
    Instant previous = NOW.minus(Duration.standardMinutes(5));
    TimestampPolicy<byte[], byte[]> policy = policy(Optional.of(previous));
    assertEquals(previous, policy.getWatermark(context(10, NOW)));
    assertEquals(NOW.minus(DELAY), policy.getWatermark(context(0, NOW)));
  }

  @Test
  public void mapsKafkaRecordsLosslessly() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", bytes("t-1"));
    headers.add("nothing", null);
    headers.add("trace", bytes("t-2"));
    KafkaRecord<byte[], byte[]> withKey =
        new KafkaRecord<>(
            "recentchange",
            2,
            77L,
            NOW.getMillis(),
            KafkaTimestampType.CREATE_TIME,
            headers,
            new byte[] {0, (byte) 0xff},
            json("2024-08-22T13:00:05Z"));
    KafkaRecord<byte[], byte[]> tombstone =
        new KafkaRecord<>(
            "recentchange",
            0,
            5L,
            NOW.getMillis(),
            KafkaTimestampType.LOG_APPEND_TIME,
            new RecordHeaders(),
            null,
            null);
    SourceRecord expectedWithKey =
        SourceRecord.create(
            "recentchange",
            2,
            77L,
            NOW,
            new byte[] {0, (byte) 0xff},
            json("2024-08-22T13:00:05Z"),
            List.of(
                SourceRecord.Header.create("trace", bytes("t-1")),
                SourceRecord.Header.create("nothing", null),
                SourceRecord.Header.create("trace", bytes("t-2"))));
    SourceRecord expectedTombstone =
        SourceRecord.create("recentchange", 0, 5L, NOW, null, null, List.of());
    assertEquals(expectedWithKey, ReadKafkaRecords.toSourceRecord(withKey));

    NullableCoder<byte[]> bytesCoder = NullableCoder.of(ByteArrayCoder.of());
    PCollection<SourceRecord> records =
        pipeline
            .apply(
                Create.of(withKey, tombstone)
                    .withCoder(KafkaRecordCoder.of(bytesCoder, bytesCoder)))
            .apply(ParDo.of(new ReadKafkaRecords.ToSourceRecordFn()));
    PAssert.that(records).containsInAnyOrder(expectedWithKey, expectedTombstone);
    pipeline.run().waitUntilFinish();
  }

  private static TimestampPolicy<byte[], byte[]> policy(Optional<Instant> previous) {
    return new ReadKafkaRecords.EventTimePolicyFactory(
            new ReadKafkaRecords.EventTimeFn(EventTimeScanner.of(List.of("meta", "dt"))), DELAY)
        .createTimestampPolicy(new TopicPartition("recentchange", 0), previous);
  }

  private static KafkaRecord<byte[], byte[]> record(Instant eventTime) {
    return new KafkaRecord<>(
        "recentchange",
        0,
        1L,
        eventTime.getMillis(),
        KafkaTimestampType.CREATE_TIME,
        new RecordHeaders(),
        null,
        json(eventTime.toString()));
  }

  private static TimestampPolicy.PartitionContext context(long backlog, Instant checkTime) {
    return new TimestampPolicy.PartitionContext() {
      @Override
      public long getMessageBacklog() {
        return backlog;
      }

      @Override
      public Instant getBacklogCheckTime() {
        return checkTime;
      }
    };
  }

  private static byte[] json(String time) {
    return bytes("{\"meta\":{\"id\":\"x\",\"dt\":\"" + time + "\"},\"type\":\"edit\"}");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
