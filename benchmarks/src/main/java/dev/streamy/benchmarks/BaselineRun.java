package dev.streamy.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import dev.streamy.io.RowParquetRecords;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.EventRules;
import dev.streamy.transforms.JsonParsing;
import dev.streamy.transforms.SourceRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.parquet.hadoop.ParquetWriter;
import org.joda.time.Instant;

/**
 * One baseline run ({@link Baseline}): every record through the same rules as the pipeline, in one
 * loop on one thread.
 *
 * <p>Semantics are those of the pipeline's bounded run: partitions are read one after another in
 * ascending order, each from its beginning, so of several copies of an event id the one with the
 * lowest partition and offset is kept (as streamy keeps it); nothing is late, so every window has
 * one final pane; the deduplication memory spans the whole run.
 */
public final class BaselineRun {

  /** The summary line starts with this, then the summary as JSON. */
  public static final String SUMMARY_PREFIX = "BASELINE ";

  private static final Duration POLL = Duration.ofMillis(500);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BaselineConfig config;
  private final Contract contract;
  private final JsonParsing parsing;
  private final EventRules rules;
  private final int idField;
  private final long windowMillis;
  private final Set<String> seen;
  private final WindowAggregates aggregates;
  private final Map<ErrorCode, Long> deadLetterCounts = new EnumMap<>(ErrorCode.class);
  private long read;
  private long events;
  private long duplicates;

  private BaselineRun(BaselineConfig config) {
    this.config = config;
    this.contract = Contract.load(config.contract());
    this.parsing = JsonParsing.withLimits(config.maxRecordBytes(), config.maxJsonDepth());
    this.rules = new EventRules(contract, config.maxFutureSkew());
    this.idField = contract.getEventSchema().indexOf(contract.eventIdColumn());
    this.windowMillis = config.windowSize().getMillis();
    this.seen = new HashSet<>((int) Math.min(Integer.MAX_VALUE / 2, config.maxRecords() * 2));
    this.aggregates = new WindowAggregates(contract, windowMillis);
  }

  /** Runs the baseline and returns what it did. */
  public static Summary run(BaselineConfig config) throws IOException {
    return new BaselineRun(config).run();
  }

  private Summary run() throws IOException {
    long started = System.nanoTime();
    Path output = config.output();
    for (String part : List.of("events", "aggregates", "dead-letters")) {
      Files.createDirectories(output.resolve(part));
    }
    RowParquetRecords eventRows = RowParquetRecords.of(contract.getEventSchema());
    int eventFiles;
    long deadLetters;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer();
        EventFiles eventFileSet =
            new EventFiles(output.resolve("events"), eventRows, windowMillis);
        DeadLetterFile deadLetterFile =
            new DeadLetterFile(output.resolve("dead-letters/dead-letters.parquet"));
        DeadLetterTopic deadLetterTopic =
            config.deadLetterTopic() == null
                ? null
                : new DeadLetterTopic(config.bootstrapServers(), config.deadLetterTopic())) {
      Sinks sinks = new Sinks(eventFileSet, deadLetterFile, deadLetterTopic);
      ReadPlan plan = ReadPlan.of(consumer, config.inputTopic(), config.maxRecords());
      for (TopicPartition partition : plan.partitions()) {
        readPartition(consumer, partition, plan.start(partition), plan.quota(partition), sinks);
      }
      eventFiles = eventFileSet.files();
      deadLetters = deadLetterFile.written();
    }
    List<Row> aggregateRows = aggregates.rows();
    RowParquetRecords rows = RowParquetRecords.of(aggregates.schema());
    try (ParquetWriter<Row> writer =
        ParquetFiles.create(
            output.resolve("aggregates/aggregates.parquet"), rows.messageType(), rows::write)) {
      for (Row row : aggregateRows) {
        writer.write(row);
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    return Summary.create(
        read,
        events,
        duplicates,
        deadLetters,
        byName(deadLetterCounts),
        aggregateRows.size(),
        aggregates.windows(),
        eventFiles,
        seconds);
  }

  private static Map<String, Long> byName(Map<ErrorCode, Long> counts) {
    Map<String, Long> byName = new TreeMap<>();
    counts.forEach((code, count) -> byName.put(code.name(), count));
    return byName;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamy-baseline");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Large fetches: one poll brings tens of thousands of small records.
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(32 << 20));
    props.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, Integer.toString(4 << 20));
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Reads {@code quota} records of one partition from {@code start}, in offset order. */
  private void readPartition(
      KafkaConsumer<byte[], byte[]> consumer,
      TopicPartition partition,
      long start,
      long quota,
      Sinks sinks)
      throws IOException {
    if (quota <= 0) {
      return;
    }
    consumer.assign(List.of(partition));
    consumer.seek(partition, start);
    long left = quota;
    long lastRecord = System.nanoTime();
    while (left > 0) {
      ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL);
      if (batch.isEmpty()) {
        if (System.nanoTime() - lastRecord > config.readTimeout().getMillis() * 1_000_000L) {
          throw new IllegalStateException(
              "no record from "
                  + partition
                  + " for "
                  + config.readTimeout()
                  + " with "
                  + left
                  + " of its "
                  + quota
                  + " still to read");
        }
        continue;
      }
      lastRecord = System.nanoTime();
      for (ConsumerRecord<byte[], byte[]> record : batch.records(partition)) {
        if (left == 0) {
          break;
        }
        process(record, sinks);
        left--;
      }
    }
  }

  /** One record: parse, validate, deduplicate, then to its window's file and metrics. */
  private void process(ConsumerRecord<byte[], byte[]> record, Sinks sinks) throws IOException {
    read++;
    byte[] value = record.value();
    JsonParsing.Outcome outcome;
    try {
      outcome = parsing.parse(value);
    } catch (RuntimeException e) {
      sinks.fail(unexpected(record, "PARSE", "parsing", e, null));
      return;
    }
    if (!outcome.isOk()) {
      ErrorCode code = outcome.getCode();
      List<DeadLetter.Violation> violations =
          outcome.getPath() == null
              ? List.of()
              : List.of(
                  DeadLetter.Violation.create(
                      outcome.getPath(), code.name(), outcome.getMessage()));
      int keep =
          code == ErrorCode.TOO_LARGE
              ? Math.min(config.maxRecordBytes(), DeadLetter.MAX_KEPT_OVERSIZED_BYTES)
              : Integer.MAX_VALUE;
      sinks.fail(
          new FailedRecord(
              record, "PARSE", code, outcome.getMessage(), violations, null, null, keep));
      return;
    }
    JsonNode event = outcome.getNode();
    EventRules.Verdict verdict;
    Row row;
    try {
      verdict = rules.check(event, Instant.now());
      row =
          verdict.isValid()
              ? contract.toRow(
                  event,
                  SourceRecord.of(record.topic(), record.partition(), record.offset(), value))
              : null;
    } catch (RuntimeException e) {
      sinks.fail(unexpected(record, "VALIDATE", "validating", e, safeEventId(event)));
      return;
    }
    if (row == null) {
      sinks.fail(
          new FailedRecord(
              record,
              "VALIDATE",
              verdict.getCode(),
              verdict.getMessage(),
              verdict.getViolations(),
              verdict.getEventId(),
              null,
              Integer.MAX_VALUE));
      return;
    }
    String id = row.getString(idField);
    if (!seen.add(
        id != null ? id : record.topic() + "/" + record.partition() + "/" + record.offset())) {
      duplicates++;
      return;
    }
    long windowStart =
        Math.floorDiv(verdict.getEventTime().getMillis(), windowMillis) * windowMillis;
    sinks.events.write(windowStart, row);
    aggregates.add(windowStart, row);
    events++;
  }

  private @Nullable String safeEventId(JsonNode event) {
    try {
      return rules.eventId(event);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A failure of the rules themselves: its class names and frames, never its message. */
  private static FailedRecord unexpected(
      ConsumerRecord<byte[], byte[]> record,
      String stage,
      String doing,
      RuntimeException e,
      @Nullable String eventId) {
    StringBuilder stack = new StringBuilder(e.getClass().getName());
    for (StackTraceElement frame : e.getStackTrace()) {
      if (stack.length() > DeadLetter.MAX_STACK_CHARS) {
        break;
      }
      stack.append("\n\tat ").append(frame);
    }
    return new FailedRecord(
        record,
        stage,
        ErrorCode.UNEXPECTED,
        "unexpected " + e.getClass().getName() + " while " + doing,
        List.of(),
        eventId,
        stack.toString(),
        Integer.MAX_VALUE);
  }

  /** Where records go: the events' files, and every dead letter to its file and topic. */
  private final class Sinks {
    final EventFiles events;
    final DeadLetterFile deadLetterFile;
    final @Nullable DeadLetterTopic deadLetterTopic;

    Sinks(EventFiles events, DeadLetterFile deadLetterFile, @Nullable DeadLetterTopic topic) {
      this.events = events;
      this.deadLetterFile = deadLetterFile;
      this.deadLetterTopic = topic;
    }

    void fail(FailedRecord failed) throws IOException {
      deadLetterCounts.merge(failed.code, 1L, Long::sum);
      deadLetterFile.add(failed);
      if (deadLetterTopic != null) {
        deadLetterTopic.send(failed);
      }
    }
  }

  /** What a baseline run read and wrote. */
  @AutoValue
  public abstract static class Summary {

    static Summary create(
        long read,
        long events,
        long duplicates,
        long deadLetters,
        Map<String, Long> deadLettersByCode,
        long aggregates,
        long windows,
        long eventFiles,
        double seconds) {
      return new AutoValue_BaselineRun_Summary(
          read,
          events,
          duplicates,
          deadLetters,
          Map.copyOf(deadLettersByCode),
          aggregates,
          windows,
          eventFiles,
          Math.round(seconds * 1000) / 1000.0);
    }

    public abstract long read();

    /** Valid, unique events written. */
    public abstract long events();

    public abstract long duplicates();

    public abstract long deadLetters();

    /** Dead letters by error code; codes not seen are left out. */
    public abstract Map<String, Long> deadLettersByCode();

    /** Aggregate rows: one per window and group key. */
    public abstract long aggregates();

    public abstract long windows();

    public abstract long eventFiles();

    /**
     * From start to the last file closed, in seconds to the millisecond (JVM start not included).
     */
    public abstract double seconds();

    /** The summary as one line of JSON. */
    public String toJson() {
      ObjectNode json = JSON.createObjectNode();
      json.put("read", read());
      json.put("events", events());
      json.put("duplicates", duplicates());
      ObjectNode codes = json.putObject("deadLetters");
      new TreeMap<>(deadLettersByCode()).forEach(codes::put);
      json.put("deadLettersTotal", deadLetters());
      json.put("aggregates", aggregates());
      json.put("windows", windows());
      json.put("eventFiles", eventFiles());
      json.put("seconds", seconds());
      json.put("recordsPerSecond", Math.round(read() / Math.max(seconds(), 1e-9)));
      try {
        return JSON.writeValueAsString(json);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads a summary back from the JSON after {@link #SUMMARY_PREFIX}. */
    public static Summary fromJson(String json) throws IOException {
      JsonNode node = JSON.readTree(json);
      Map<String, Long> codes = new TreeMap<>();
      node.path("deadLetters")
          .fields()
          .forEachRemaining(e -> codes.put(e.getKey(), e.getValue().asLong()));
      return create(
          node.path("read").asLong(),
          node.path("events").asLong(),
          node.path("duplicates").asLong(),
          node.path("deadLettersTotal").asLong(),
          codes,
          node.path("aggregates").asLong(),
          node.path("windows").asLong(),
          node.path("eventFiles").asLong(),
          node.path("seconds").asDouble());
    }
  }
}
