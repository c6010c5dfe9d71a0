package dev.streamy.io;

import com.google.auto.value.AutoValue;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.SourceRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.CustomTimestampPolicyWithLimitedDelay;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads a Kafka topic as {@link SourceRecord}s: value and key bytes untouched, headers, topic,
 * partition, offset and Kafka timestamp. Records are read as bytes only, so reading never fails on
 * content; parsing is a later stage.
 *
 * <p>Each record is timestamped with its event time, found by a cheap scan of the value ({@link
 * EventTimeScanner}), else with its Kafka timestamp, and never later than "now", so that a
 * far-future event cannot push the watermark ahead. The watermark is the latest timestamp per
 * partition minus the allowed out-of-orderness, and it advances on idle partitions (to "now" minus
 * that delay).
 *
 * <p>Kafka settings that are secrets (see {@link KafkaConfig#isSecret}) are given to the consumer
 * when it is created and are kept out of KafkaIO's config, so they never show in display data. With
 * a consumer group, offsets are committed when a checkpoint is finalized, never automatically.
 */
@AutoValue
public abstract class ReadKafkaRecords extends PTransform<PBegin, PCollection<SourceRecord>> {

  /** The out-of-orderness allowed when {@link #withEventTime} is not called. */
  public static final Duration DEFAULT_MAX_OUT_OF_ORDERNESS = Duration.standardSeconds(30);

  /** Reads {@code topic} from the cluster at {@code bootstrapServers} ({@code host:port,...}). */
  public static ReadKafkaRecords from(String bootstrapServers, String topic) {
    requireText(bootstrapServers, "bootstrapServers");
    requireText(topic, "topic");
    return new AutoValue_ReadKafkaRecords.Builder()
        .setBootstrapServers(bootstrapServers)
        .setTopic(topic)
        .setConsumerConfig(Map.of())
        .setMaxRecords(0)
        .setMaxOutOfOrderness(DEFAULT_MAX_OUT_OF_ORDERNESS)
        .build();
  }

  abstract String getBootstrapServers();

  abstract String getTopic();

  abstract Map<String, String> getConsumerConfig();

  abstract long getMaxRecords();

  abstract @Nullable List<String> getEventTimePath();

  abstract Duration getMaxOutOfOrderness();

  abstract @Nullable String getConsumerGroup();

  abstract @Nullable List<OffsetRange> getRanges();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setBootstrapServers(String bootstrapServers);

    abstract Builder setTopic(String topic);

    abstract Builder setConsumerConfig(Map<String, String> consumerConfig);

    abstract Builder setMaxRecords(long maxRecords);

    abstract Builder setEventTimePath(@Nullable List<String> eventTimePath);

    abstract Builder setMaxOutOfOrderness(Duration maxOutOfOrderness);

    abstract Builder setConsumerGroup(@Nullable String consumerGroup);

    abstract Builder setRanges(@Nullable List<OffsetRange> ranges);

    abstract ReadKafkaRecords build();
  }

  /**
   * Extra consumer settings (e.g. from {@link KafkaConfig#parse}). Secret entries are split off
   * automatically. The deserializers, {@code bootstrap.servers} and {@code enable.auto.commit} are
   * managed here and cannot be set; a {@code group.id} here acts like {@link #withConsumerGroup}.
   */
  public ReadKafkaRecords withConsumerConfig(Map<String, String> config) {
    for (String key :
        List.of(
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      if (config.containsKey(key)) {
        throw new IllegalArgumentException(key + " is managed by ReadKafkaRecords; do not set it");
      }
    }
    String autoCommit = config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    if (autoCommit != null && !"false".equalsIgnoreCase(autoCommit.trim())) {
      throw new IllegalArgumentException(
          "enable.auto.commit must stay false: offsets are committed on checkpoint finalize");
    }
    return toBuilder().setConsumerConfig(new LinkedHashMap<>(config)).build();
  }

  /** Stops after {@code maxRecords} records (a bounded read); 0 or less reads forever. */
  public ReadKafkaRecords withMaxRecords(long maxRecords) {
    return toBuilder().setMaxRecords(maxRecords).build();
  }

  /**
   * Timestamps records with the event time at {@code eventTimePath} in the JSON value (e.g. the
   * contract's {@code ["meta", "dt"]}), and lets the watermark trail the latest event time by
   * {@code maxOutOfOrderness}.
   */
  public ReadKafkaRecords withEventTime(List<String> eventTimePath, Duration maxOutOfOrderness) {
    if (eventTimePath.isEmpty()) {
      throw new IllegalArgumentException("eventTimePath must not be empty");
    }
    if (maxOutOfOrderness.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("maxOutOfOrderness must not be negative");
    }
    return toBuilder()
        .setEventTimePath(List.copyOf(eventTimePath))
        .setMaxOutOfOrderness(maxOutOfOrderness)
        .build();
  }

  /**
   * Reads exactly {@code ranges} of the topic and finishes (a backfill): each partition with one
   * assigned consumer, so the consumer group's offsets are neither used nor committed. The ranges
   * of a partition must not overlap; an empty list reads nothing. Not with {@link #withMaxRecords}.
   */
  public ReadKafkaRecords withRanges(List<OffsetRange> ranges) {
    for (OffsetRange range : ranges) {
      if (!range.getTopic().equals(getTopic())) {
        throw new IllegalArgumentException("range " + range + " is not of topic " + getTopic());
      }
    }
    return toBuilder().setRanges(List.copyOf(ranges)).build();
  }

  /** Reads as consumer group {@code groupId} and commits offsets when checkpoints finalize. */
  public ReadKafkaRecords withConsumerGroup(String groupId) {
    requireText(groupId, "groupId");
    return toBuilder().setConsumerGroup(groupId).build();
  }

  /**
   * Streaming: one KafkaIO read of the topic. Bounded ({@link #withMaxRecords}): one read per
   * partition, each with its own quota from {@link PartitionQuotas}, so that an uneven topic still
   * finishes. A backfill ({@link #withRanges}): one read per partition of exactly its ranges.
   */
  @Override
  public PCollection<SourceRecord> expand(PBegin input) {
    if (getRanges() != null) {
      if (getMaxRecords() > 0) {
        throw new IllegalStateException("withRanges and withMaxRecords exclude each other");
      }
      if (getRanges().stream().allMatch(range -> range.size() == 0)) {
        return input.apply("NothingToRead", Create.empty(SourceRecord.coder()));
      }
      return input.apply(
          "ReadPartitions",
          ReadOffsetRange.of(
              getBootstrapServers(), getConsumerConfig(), getRanges(), eventTimeFn()));
    }
    if (getMaxRecords() <= 0) {
      return input
          .apply("ReadFromKafka", kafkaRead().withTopic(getTopic()))
          .apply("ToSourceRecords", ParDo.of(new ToSourceRecordFn()));
    } else {
      List<OffsetRange> ranges = offsetRanges();
      if (ranges.isEmpty()) {
        return input.apply("NothingToRead", Create.empty(SourceRecord.coder()));
      }
      return input.apply(
          "ReadPartitions",
          ReadOffsetRange.of(getBootstrapServers(), getConsumerConfig(), ranges, eventTimeFn()));
    }
  }

  /**
   * Each partition's range to read: from where the read starts (the group's committed offset, else
   * the beginning) for its quota of records.
   */
  private List<OffsetRange> offsetRanges() {
    Map<String, Object> config = new HashMap<>(getConsumerConfig());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, getBootstrapServers());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (getConsumerGroup() != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, getConsumerGroup());
    }
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, Long> starts =
          PartitionQuotas.starts(
              consumer, getTopic(), config.containsKey(ConsumerConfig.GROUP_ID_CONFIG));
      Map<TopicPartition, Long> quotas =
          PartitionQuotas.allocate(PartitionQuotas.available(consumer, starts), getMaxRecords());
      List<OffsetRange> ranges = new ArrayList<>();
      quotas.forEach(
          (partition, quota) -> {
            if (quota > 0) {
              long start = starts.get(partition);
              ranges.add(OffsetRange.of(getTopic(), partition.partition(), start, start + quota));
            }
          });
      return ranges;
    }
  }

  private EventTimeFn eventTimeFn() {
    List<String> eventTimePath = getEventTimePath();
    return new EventTimeFn(eventTimePath == null ? null : EventTimeScanner.of(eventTimePath));
  }

  /** The KafkaIO read of the whole topic; its config holds no secret. */
  KafkaIO.Read<byte[], byte[]> kafkaRead() {
    Map<String, Object> updates = new LinkedHashMap<>();
    updates.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    updates.putAll(KafkaConfig.publicPart(getConsumerConfig()));
    updates.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (getConsumerGroup() != null) {
      updates.put(ConsumerConfig.GROUP_ID_CONFIG, getConsumerGroup());
    }
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.<byte[], byte[]>read()
            .withBootstrapServers(getBootstrapServers())
            .withKeyDeserializerAndCoder(
                ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
            .withValueDeserializerAndCoder(
                ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
            .withConsumerConfigUpdates(updates)
            .withTimestampPolicyFactory(
                new EventTimePolicyFactory(eventTimeFn(), getMaxOutOfOrderness()));
    Map<String, String> secrets = KafkaConfig.secretPart(getConsumerConfig());
    if (!secrets.isEmpty()) {
      read = read.withConsumerFactoryFn(SecretConfigFactory.consumers(secrets));
    }
    if (updates.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
      read = read.commitOffsetsInFinalize();
    }
    return read;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("bootstrapServers", getBootstrapServers()))
        .add(DisplayData.item("topic", getTopic()))
        .add(DisplayData.item("maxRecords", getMaxRecords()))
        .add(DisplayData.item("maxOutOfOrderness", getMaxOutOfOrderness()))
        .add(
            DisplayData.item(
                "eventTimePath",
                getEventTimePath() == null ? "(kafka timestamp)" : getEventTimePath().toString()))
        .addIfNotNull(DisplayData.item("consumerGroup", getConsumerGroup()))
        .addIfNotNull(DisplayData.item("ranges", getRanges() == null ? null : summary(getRanges())))
        .add(
            DisplayData.item(
                "consumerConfig", KafkaConfig.redacted(getConsumerConfig()).toString()));
  }

  /** The first few ranges and how many there are: a backfill's gaps can be thousands. */
  private static String summary(List<OffsetRange> ranges) {
    String shown = ranges.subList(0, Math.min(5, ranges.size())).toString();
    return ranges.size() <= 5 ? shown : shown + " and " + (ranges.size() - 5) + " more";
  }

  private static void requireText(@Nullable String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }

  /**
   * A record's timestamp: the event time scanned from its value, else its Kafka timestamp; never
   * after now, never before the earliest time Beam can represent.
   */
  static final class EventTimeFn
      implements SerializableFunction<KafkaRecord<byte[], byte[]>, Instant> {
    private final @Nullable EventTimeScanner scanner;

    EventTimeFn(@Nullable EventTimeScanner scanner) {
      this.scanner = scanner;
    }

    @Override
    public Instant apply(KafkaRecord<byte[], byte[]> record) {
      return timestampOf(record.getKV().getValue(), record.getTimestamp(), Instant.now());
    }

    Instant timestampOf(@Nullable byte[] value, long kafkaTimestamp, Instant now) {
      Instant time = scanner == null ? null : scanner.scan(value);
      if (time == null || time.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE)) {
        time = new Instant(kafkaTimestamp);
      }
      if (time.isAfter(now)) {
        // A future event time (TS_FUTURE later, or within the accepted skew) must not pull the
        // watermark forward. "Now" would: in a backlog it is far ahead of every other record, and
        // one such record turned the whole backlog into TS_LATE. The time Kafka stamped the record
        // is when it was produced, and never later than the reading.
        Instant produced = new Instant(kafkaTimestamp);
        time = produced.isAfter(now) ? now : produced;
      }
      return time.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE)
          ? BoundedWindow.TIMESTAMP_MIN_VALUE
          : time;
    }
  }

  /** One {@link EventTimePolicy} per partition, resuming from the checkpointed watermark. */
  static final class EventTimePolicyFactory implements TimestampPolicyFactory<byte[], byte[]> {
    private final EventTimeFn timestampFn;
    private final Duration maxOutOfOrderness;

    EventTimePolicyFactory(EventTimeFn timestampFn, Duration maxOutOfOrderness) {
      this.timestampFn = timestampFn;
      this.maxOutOfOrderness = maxOutOfOrderness;
    }

    @Override
    public TimestampPolicy<byte[], byte[]> createTimestampPolicy(
        TopicPartition partition, Optional<Instant> previousWatermark) {
      return new EventTimePolicy(timestampFn, maxOutOfOrderness, previousWatermark);
    }
  }

  /**
   * KafkaIO's {@link CustomTimestampPolicyWithLimitedDelay}, which advances the watermark of an
   * idle partition to "now - delay" once it has read a record, plus two fixes: a partition that has
   * never had a record (new, or one that no key hashes to) advances the same way instead of holding
   * every window back forever, and the watermark never goes backwards.
   */
  static final class EventTimePolicy extends TimestampPolicy<byte[], byte[]> {
    private final CustomTimestampPolicyWithLimitedDelay<byte[], byte[]> delegate;
    private final Duration maxOutOfOrderness;
    private boolean hasTimestamps;
    private Instant lastWatermark = BoundedWindow.TIMESTAMP_MIN_VALUE;

    EventTimePolicy(
        SerializableFunction<KafkaRecord<byte[], byte[]>, Instant> timestampFn,
        Duration maxOutOfOrderness,
        Optional<Instant> previousWatermark) {
      this.delegate =
          new CustomTimestampPolicyWithLimitedDelay<>(
              timestampFn, maxOutOfOrderness, previousWatermark);
      this.maxOutOfOrderness = maxOutOfOrderness;
      // A restored watermark is a lower bound already; the delegate then handles idleness itself.
      this.hasTimestamps = previousWatermark.isPresent();
      previousWatermark.ifPresent(w -> lastWatermark = w);
    }

    @Override
    public Instant getTimestampForRecord(PartitionContext context, KafkaRecord<byte[], byte[]> r) {
      hasTimestamps = true;
      return delegate.getTimestampForRecord(context, r);
    }

    @Override
    public Instant getWatermark(PartitionContext context) {
      Instant watermark = delegate.getWatermark(context);
      Instant checkTime = context.getBacklogCheckTime();
      if (!hasTimestamps && context.getMessageBacklog() == 0 && checkTime != null) {
        Instant idle = checkTime.minus(maxOutOfOrderness);
        watermark = idle.isAfter(watermark) ? idle : watermark;
      }
      if (watermark.isAfter(lastWatermark)) {
        lastWatermark = watermark;
      }
      return lastWatermark;
    }
  }

  /** Copies a Kafka record into a {@link SourceRecord}, bytes and headers untouched. */
  static final class ToSourceRecordFn extends DoFn<KafkaRecord<byte[], byte[]>, SourceRecord> {
    @ProcessElement
    public void processElement(
        @Element KafkaRecord<byte[], byte[]> record, OutputReceiver<SourceRecord> out) {
      out.output(toSourceRecord(record));
    }
  }

  static SourceRecord toSourceRecord(KafkaRecord<byte[], byte[]> record) {
    return SourceRecord.create(
        record.getTopic(),
        record.getPartition(),
        record.getOffset(),
        new Instant(record.getTimestamp()),
        record.getKV().getKey(),
        record.getKV().getValue(),
        headers(record.getHeaders()));
  }

  /** A Kafka record's headers in order, repeated keys and null values kept. */
  static List<SourceRecord.Header> headers(@Nullable Headers headers) {
    List<SourceRecord.Header> copied = new ArrayList<>();
    if (headers != null) {
      for (Header header : headers) {
        copied.add(SourceRecord.Header.create(header.key(), header.value()));
      }
    }
    return copied;
  }
}
