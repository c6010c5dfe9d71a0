package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import dev.streamy.transforms.StreamyCounters;
import dev.streamy.transforms.testing.Displayed;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class WriteDeadLettersTest {

  private static final String SECRET = "dlq-s3cr3t";
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"dlq\""
          + " password=\""
          + SECRET
          + "\";";
  private static final Instant T = Instant.parse("2024-08-22T13:00:05Z");
  private static final String FILE_PATTERN =
      "date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/dead-letters-\\d{8}T\\d{4}Z-\\d{8}T\\d{4}Z"
          + "-pane-\\d+-shard-\\d{5}-of-\\d{5}\\.parquet";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static SourceRecord source(long offset, byte[] key, byte[] value) {
    return SourceRecord.create(
        "recentchange",
        1,
        offset,
        T,
        key,
        value,
        List.of(
            SourceRecord.Header.create("trace", "t".getBytes(StandardCharsets.UTF_8)),
            SourceRecord.Header.create("nothing", null)));
  }

  private static List<DeadLetter> deadLetters() {
    byte[] invalid = "{\"meta\":{\"id\":\"e-1\"},\"bot\":\"yes\"}".getBytes(StandardCharsets.UTF_8);
    byte[] binary = {0x1f, (byte) 0x8b, 8, 0, (byte) 0xff, 0};
    byte[] large = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
    return List.of(
        DeadLetter.of(
                source(10, new byte[] {1, 2}, invalid), Stage.VALIDATE, ErrorCode.FIELD_INVALID)
            .setMessage("bot must be a boolean")
            .setViolations(
                List.of(
                    DeadLetter.Violation.create("bot", "FIELD_INVALID", "expected boolean"),
                    DeadLetter.Violation.create("meta.dt", "FIELD_MISSING", "required")))
            .setEventId("e-1")
            .build(),
        DeadLetter.of(source(11, null, null), Stage.PARSE, ErrorCode.EMPTY_PAYLOAD).build(),
        DeadLetter.of(source(12, null, binary), Stage.PARSE, ErrorCode.WRONG_FORMAT)
            .setMessage("gzip")
            .build(),
        DeadLetter.of(source(13, null, large), Stage.PARSE, ErrorCode.TOO_LARGE)
            .keepValueBytes(10)
            .error(new IllegalStateException("too big"))
            .build());
  }

  private static SchemaCoder<DeadLetter> coder() {
    try {
      return SchemaRegistry.createDefault().getSchemaCoder(DeadLetter.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> producerConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("security.protocol", "SASL_PLAINTEXT");
    config.put("sasl.mechanism", "PLAIN");
    config.put("sasl.jaas.config", JAAS);
    config.put("linger.ms", "5");
    return config;
  }

  @Test
  public void filesRoundTripEveryByteAndField() throws Exception {
    Path dir = temp.newFolder("dead-letters").toPath();
    List<DeadLetter> input = deadLetters();
    pipeline
        .apply(Create.of(input).withCoder(coder()))
        .apply(
            WriteDeadLetters.stampedAs("ingest", "1.2.3")
                .toFiles(dir.toString(), WriteParquet.DEFAULT_TARGET_FILE_BYTES));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(input.size(), writtenCount(result));

    List<String> files = parquetFiles(dir);
    assertFalse(files.isEmpty());
    assertThat(files, everyItem(matchesPattern(FILE_PATTERN)));

    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT \"offset\" AS off, hex(\"value\") AS value_hex, \"value\" IS NULL AS no_value,"
                + " hex(\"key\") AS key_hex, \"key\" IS NULL AS no_key, stage, errorCode, message,"
                + " eventId, valueSize, valueSha256, valueTruncated, pipeline, pipelineVersion,"
                + " len(violations) AS nviolations, violations[1].path AS v1_path,"
                + " violations[2].code AS v2_code, len(headers) AS nheaders,"
                + " headers[1].\"key\" AS h1, decode(headers[1].\"value\") AS h1_value,"
                + " headers[2].\"value\" IS NULL AS h2_null, epoch_ms(\"timestamp\") AS ts_ms,"
                + " stack"
                + " FROM "
                + DuckDb.parquetUnder(dir)
                + " ORDER BY off");
    assertEquals(input.size(), rows.size());
    for (int i = 0; i < input.size(); i++) {
      DeadLetter expected = input.get(i);
      Map<String, Object> row = rows.get(i);
      assertEquals(expected.getOffset(), ((Number) row.get("off")).longValue());
      if (expected.getValue() == null) {
        assertEquals(true, row.get("no_value"));
      } else {
        assertEquals(
            HexFormat.of().withUpperCase().formatHex(expected.getValue()), row.get("value_hex"));
      }
      if (expected.getKey() == null) {
        assertEquals(true, row.get("no_key"));
      } else {
        assertEquals(
            HexFormat.of().withUpperCase().formatHex(expected.getKey()), row.get("key_hex"));
      }
      assertEquals(expected.getStage(), row.get("stage"));
      assertEquals(expected.getErrorCode(), row.get("errorCode"));
      assertEquals(expected.getMessage(), row.get("message"));
      assertEquals(expected.getEventId(), row.get("eventId"));
      assertEquals(expected.getValueSize(), ((Number) row.get("valueSize")).longValue());
      assertEquals(expected.getValueSha256(), row.get("valueSha256"));
      assertEquals(expected.isValueTruncated(), row.get("valueTruncated"));
      assertEquals("ingest", row.get("pipeline"));
      assertEquals("1.2.3", row.get("pipelineVersion"));
      assertEquals(expected.getViolations().size(), ((Number) row.get("nviolations")).intValue());
      assertEquals(2, ((Number) row.get("nheaders")).intValue());
      assertEquals("trace", row.get("h1"));
      assertEquals("t", row.get("h1_value"));
      assertEquals(true, row.get("h2_null"));
      assertEquals(T.getMillis(), ((Number) row.get("ts_ms")).longValue());
      assertEquals(expected.getStack(), row.get("stack"));
    }
    assertEquals("bot", rows.get(0).get("v1_path"));
    assertEquals("FIELD_MISSING", rows.get(0).get("v2_code"));
    assertEquals(10, HexFormat.of().parseHex((String) rows.get(3).get("value_hex")).length);
    assertEquals(true, rows.get(3).get("valueTruncated"));
  }

  @Test
  public void deadLettersOfLateEventsAreWrittenNotDropped() throws Exception {
    Path dir = temp.newFolder("late").toPath();
    DeadLetter late =
        DeadLetter.of(source(99, null, new byte[] {'{', '}'}), Stage.WINDOW, ErrorCode.TS_LATE)
            .build();
    TestStream<DeadLetter> stream =
        TestStream.create(coder())
            .advanceWatermarkTo(T.plus(Duration.standardHours(2)))
            .addElements(TimestampedValue.of(late, T))
            .advanceWatermarkToInfinity();
    pipeline
        .apply(stream)
        .apply(
            WriteDeadLetters.stampedAs("ingest", "1")
                .toFiles(dir.toString(), WriteParquet.DEFAULT_TARGET_FILE_BYTES));
    pipeline.run().waitUntilFinish();

    List<String> files = parquetFiles(dir);
    assertThat(files, everyItem(matchesPattern(FILE_PATTERN)));
    List<Map<String, Object>> rows =
        DuckDb.query("SELECT \"offset\" AS off, errorCode FROM " + DuckDb.parquetUnder(dir));
    assertEquals(1, rows.size());
    assertEquals(99L, ((Number) rows.get(0).get("off")).longValue());
    assertEquals("TS_LATE", rows.get(0).get("errorCode"));
  }

  @Test
  public void dlqRecordKeepsKeyValueAndHeadersThenAddsMetadata() {
    DeadLetter d = deadLetters().get(0).withPipeline("ingest", "1.2.3");
    ProducerRecord<byte[], byte[]> record =
        WriteDeadLetters.toProducerRecord("recentchange.dlq", d);
    assertEquals("recentchange.dlq", record.topic());
    assertNull(record.partition());
    assertNull(record.timestamp());
    assertArrayEquals(d.getKey(), record.key());
    assertArrayEquals(d.getValue(), record.value());
    Header[] headers = record.headers().toArray();
    assertEquals("trace", headers[0].key());
    assertArrayEquals("t".getBytes(StandardCharsets.UTF_8), headers[0].value());
    assertEquals("nothing", headers[1].key());
    assertNull(headers[1].value());
    Map<String, String> dlq = new LinkedHashMap<>();
    for (int i = 2; i < headers.length; i++) {
      assertTrue(headers[i].key().startsWith("dlq."));
      dlq.put(headers[i].key(), new String(headers[i].value(), StandardCharsets.UTF_8));
    }
    assertEquals(DeadLetterHeaders.metadata(d), dlq);
    assertEquals("FIELD_INVALID", dlq.get("dlq.error.code"));
    assertEquals("ingest", dlq.get("dlq.pipeline"));

    DeadLetter empty = deadLetters().get(1);
    ProducerRecord<byte[], byte[]> tombstone = WriteDeadLetters.toProducerRecord("dlq", empty);
    assertNull(tombstone.key());
    assertNull(tombstone.value());
  }

  @Test
  public void aDlqRecordTooLargeForTheProducerIsCutToFitAndMarked() {
    byte[] key = new byte[1_200_000];
    byte[] value = new byte[900_000];
    java.util.Arrays.fill(key, (byte) 'k');
    java.util.Arrays.fill(value, (byte) 'v');
    key[0] = 1;
    value[0] = 2;
    DeadLetter big =
        DeadLetter.of(source(20, key, value), Stage.PARSE, ErrorCode.PARSE_ERROR)
            .setMessage("not JSON")
            .build();
    int max = WriteDeadLetters.DEFAULT_MAX_REQUEST_BYTES;
    ProducerRecord<byte[], byte[]> whole = WriteDeadLetters.toProducerRecord("dlq", big);
    assertTrue(WriteDeadLetters.size(whole.key(), whole.value(), whole.headers()) > max);

    ProducerRecord<byte[], byte[]> cut = WriteDeadLetters.fitted("dlq", big, max);
    int size = WriteDeadLetters.size(cut.key(), cut.value(), cut.headers());
    assertTrue("fits: " + size, size <= max);
    assertTrue("uses the room: " + size, size > max - 1024);
    assertEquals("key,value", header(cut, DeadLetterHeaders.TOPIC_TRUNCATED));
    assertEquals("1200000", header(cut, DeadLetterHeaders.KEY_SIZE));
    assertEquals("900000", header(cut, DeadLetterHeaders.VALUE_SIZE));
    assertEquals(big.getValueSha256(), header(cut, DeadLetterHeaders.VALUE_SHA256));
    assertArrayEquals(java.util.Arrays.copyOf(key, cut.key().length), cut.key());
    assertArrayEquals(java.util.Arrays.copyOf(value, cut.value().length), cut.value());
    assertTrue(cut.key().length >= (cut.key().length + cut.value().length) / 2);
    assertEquals("trace", cut.headers().toArray()[0].key()); // the original headers stay

    // A record that fits is sent whole, unmarked; a smaller limit cuts the value only.
    DeadLetter small = deadLetters().get(0);
    ProducerRecord<byte[], byte[]> same = WriteDeadLetters.fitted("dlq", small, max);
    assertArrayEquals(small.getValue(), same.value());
    assertNull(same.headers().lastHeader(DeadLetterHeaders.TOPIC_TRUNCATED));
    DeadLetter valueOnly =
        DeadLetter.of(source(21, new byte[] {7}, value), Stage.PARSE, ErrorCode.PARSE_ERROR)
            .build();
    ProducerRecord<byte[], byte[]> smaller = WriteDeadLetters.fitted("dlq", valueOnly, 500_000);
    assertEquals("value", header(smaller, DeadLetterHeaders.TOPIC_TRUNCATED));
    assertArrayEquals(new byte[] {7}, smaller.key());
    assertTrue(WriteDeadLetters.size(smaller.key(), smaller.value(), smaller.headers()) <= 500_000);

    // Original headers that leave no room go too; the record still fits.
    DeadLetter bigHeaders =
        DeadLetter.of(
                SourceRecord.create(
                    "recentchange",
                    1,
                    22,
                    T,
                    null,
                    value,
                    List.of(SourceRecord.Header.create("blob", new byte[600_000]))),
                Stage.PARSE,
                ErrorCode.PARSE_ERROR)
            .build();
    ProducerRecord<byte[], byte[]> noHeaders = WriteDeadLetters.fitted("dlq", bigHeaders, 500_000);
    assertEquals("value,headers", header(noHeaders, DeadLetterHeaders.TOPIC_TRUNCATED));
    assertNull(noHeaders.headers().lastHeader("blob"));
    assertTrue(
        WriteDeadLetters.size(noHeaders.key(), noHeaders.value(), noHeaders.headers()) <= 500_000);
  }

  @Test
  public void theDlqLimitIsTheProducersMaxRequestSize() {
    WriteDeadLetters sink = WriteDeadLetters.stampedAs("ingest", "1");
    assertEquals(1_048_576, sink.toTopic("127.0.0.1:9", "dlq", Map.of()).maxRequestBytes());
    assertEquals(
        4_000_000,
        sink.toTopic("127.0.0.1:9", "dlq", Map.of("max.request.size", "4000000"))
            .maxRequestBytes());
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  public void producerRecordCoderKeepsNullsAndHeaderOrder() throws Exception {
    WriteDeadLetters.ProducerRecordBytesCoder coder =
        new WriteDeadLetters.ProducerRecordBytesCoder();
    for (DeadLetter d : deadLetters()) {
      ProducerRecord<byte[], byte[]> record = WriteDeadLetters.toProducerRecord("dlq", d);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      coder.encode(record, out);
      ProducerRecord<byte[], byte[]> back =
          coder.decode(new ByteArrayInputStream(out.toByteArray()));
      assertEquals(record.topic(), back.topic());
      assertNull(back.partition());
      assertNull(back.timestamp());
      assertArrayEquals(record.key(), back.key());
      assertArrayEquals(record.value(), back.value());
      assertEquals(record.headers(), back.headers());
    }
  }

  @Test
  public void producerIsTransactionalPerSinkAndGetsTheSecrets() {
    WriteDlqTopic write =
        WriteDeadLetters.stampedAs("ingest", "1")
            .toTopic("127.0.0.1:9", "recentchange.dlq", producerConfig())
            .withSinkId("job-a")
            .dlqTopic();
    Map<String, Object> producer = write.producerSettings(null);
    assertEquals("all", producer.get("acks"));
    assertEquals("true", producer.get("enable.idempotence"));
    assertEquals("streamy-dlq-job-a", producer.get("transactional.id"));
    assertEquals("SASL_PLAINTEXT", producer.get("security.protocol"));
    assertEquals(JAAS, producer.get("sasl.jaas.config"));
    assertEquals("127.0.0.1:9", producer.get("bootstrap.servers"));
    assertNull(producer.get("batch.size"));
    // Batches stay within a DLQ topic's smaller max.message.bytes.
    assertEquals("4096", write.producerSettings(4096).get("batch.size"));

    Map<String, Object> reader = write.consumerSettings("read_committed");
    assertEquals("read_committed", reader.get("isolation.level"));
    assertEquals(JAAS, reader.get("sasl.jaas.config"));
    assertFalse(reader.containsKey("acks"));
    assertFalse(reader.containsKey("transactional.id"));
  }

  @Test
  public void displayDataHoldsNoSecret() {
    WriteDeadLetters write =
        WriteDeadLetters.stampedAs("ingest", "1")
            .toTopic("127.0.0.1:9", "recentchange.dlq", producerConfig())
            .toFiles("/tmp/never-written", WriteParquet.DEFAULT_TARGET_FILE_BYTES);
    List<String> displayed = new ArrayList<>();
    displayed.addAll(Displayed.values(DisplayData.from(write)));
    displayed.addAll(Displayed.values(DisplayData.from(write.dlqTopic())));

    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(deadLetters()).withCoder(coder())).apply("Dlq", write);
    displayed.addAll(Displayed.everywhere(p));
    assertTrue(displayed.toString().contains("security.protocol=SASL_PLAINTEXT"));
    assertTrue(displayed.toString().contains("sasl.jaas.config=" + KafkaConfig.REDACTED));
    for (String value : displayed) {
      assertFalse(value, value.contains(SECRET));
      assertFalse(value, value.contains("PlainLoginModule"));
    }
  }

  @Test(timeout = 120_000)
  public void anUnreachableDlqTopicFailsThePipelineInsteadOfDropping() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("max.block.ms", "500");
    config.put("delivery.timeout.ms", "1000");
    config.put("request.timeout.ms", "500");
    config.put("linger.ms", "0");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(deadLetters()).withCoder(coder()))
        .apply(WriteDeadLetters.stampedAs("ingest", "1").toTopic("127.0.0.1:9", "dlq", config));
    Pipeline.PipelineExecutionException failure =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
    assertTrue(
        String.valueOf(failure.getCause()),
        failure.getCause() instanceof org.apache.kafka.common.errors.TimeoutException);
  }

  @Test
  public void rejectsUnsafeOrIncompleteConfiguration() {
    WriteDeadLetters base = WriteDeadLetters.stampedAs("ingest", "1");
    assertThrows(
        IllegalArgumentException.class, () -> base.toTopic("b:1", "dlq", Map.of("acks", "1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.toTopic("b:1", "dlq", Map.of("enable.idempotence", "false")));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.toTopic("b:1", "dlq", Map.of("value.serializer", "x")));
    assertThrows(IllegalArgumentException.class, () -> base.toFiles("/tmp/x", 0L));
    assertThrows(IllegalArgumentException.class, () -> WriteDeadLetters.stampedAs("", "1"));
    base.toTopic("b:1", "dlq", Map.of("acks", "-1", "enable.idempotence", "TRUE"));
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    assertThrows(
        IllegalStateException.class,
        () -> p.apply(Create.of(deadLetters()).withCoder(coder())).apply(base));
  }

  private static long writtenCount(PipelineResult result) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(
                        MetricNameFilter.named(
                            StreamyCounters.NAMESPACE, StreamyCounters.DEAD_LETTERS_WRITTEN))
                    .build());
    long total = 0;
    for (MetricResult<Long> counter : metrics.getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }

  private static List<String> parquetFiles(Path dir) throws Exception {
    return DuckDb.filesUnder(dir).stream()
        .filter(f -> !f.startsWith(WriteParquet.TEMP_FOLDER) && f.endsWith(".parquet"))
        .collect(Collectors.toList());
  }
}
