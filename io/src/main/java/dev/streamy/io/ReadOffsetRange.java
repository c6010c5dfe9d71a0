package dev.streamy.io;

import com.google.auto.value.AutoValue;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.SourceRecord;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Instant;

/**
 * Reads partitions' offsets {@code [start, end)}, one range per partition, each with a plain
 * consumer, as a bounded read: the records of a bounded run ({@link
 * ReadKafkaRecords#withMaxRecords}). The ranges are spread over the workers first (a rebalance on
 * Flink), so partitions are read in parallel, and each worker's records go on to the next steps
 * without being encoded in between (one read per partition, flattened, would be a union that Flink
 * cannot chain to its consumer). Beam's bounded wrapper of an unbounded source polls through a
 * reader built for streaming (checkpoint marks, watermarks, a backoff that can wait on a partition
 * for good); a known range needs none of that.
 *
 * <p>The consumer is assigned the partition (no group membership, nothing committed) and stops at
 * its position, not at the last record it saw, so gaps (transaction markers, compaction) end the
 * read too. When the partition holds fewer records than the range, the read waits for them, as a
 * bounded run that asks for more records than exist does. Errors fail the bundle: the runner
 * retries it, nothing is skipped.
 */
@AutoValue
abstract class ReadOffsetRange extends PTransform<PBegin, PCollection<SourceRecord>> {

  private static final Duration POLL = Duration.ofMillis(500);

  static ReadOffsetRange of(
      String bootstrapServers,
      Map<String, String> consumerConfig,
      List<OffsetRange> ranges,
      ReadKafkaRecords.EventTimeFn timestampFn) {
    return new AutoValue_ReadOffsetRange(
        bootstrapServers, Map.copyOf(consumerConfig), List.copyOf(ranges), timestampFn);
  }

  abstract String getBootstrapServers();

  abstract Map<String, String> getConsumerConfig();

  abstract List<OffsetRange> getRanges();

  abstract ReadKafkaRecords.EventTimeFn getTimestampFn();

  /** The ranges only: the consumer config may hold secrets. */
  @Override
  public String toString() {
    return "ReadOffsetRange" + getRanges();
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin input) {
    return input
        .apply("Ranges", Create.of(getRanges()).withCoder(SerializableCoder.of(OffsetRange.class)))
        .apply("SpreadRanges", Reshuffle.viaRandomKey())
        .apply(
            "Read",
            ParDo.of(new ReadRangeFn(getBootstrapServers(), getConsumerConfig(), getTimestampFn())))
        .setCoder(SourceRecord.coder());
  }

  /** Offsets {@code [start, end)} of one partition. */
  @AutoValue
  abstract static class OffsetRange implements Serializable {
    static OffsetRange of(String topic, int partition, long start, long end) {
      return new AutoValue_ReadOffsetRange_OffsetRange(topic, partition, start, end);
    }

    abstract String getTopic();

    abstract int getPartition();

    abstract long getStart();

    abstract long getEnd();
  }

  private static final class ReadRangeFn extends DoFn<OffsetRange, SourceRecord> {
    private final String bootstrapServers;
    private final Map<String, String> consumerConfig;
    private final ReadKafkaRecords.EventTimeFn timestampFn;

    ReadRangeFn(
        String bootstrapServers,
        Map<String, String> consumerConfig,
        ReadKafkaRecords.EventTimeFn timestampFn) {
      this.bootstrapServers = bootstrapServers;
      this.consumerConfig = consumerConfig;
      this.timestampFn = timestampFn;
    }

    @ProcessElement
    public void process(@Element OffsetRange range, OutputReceiver<SourceRecord> out) {
      TopicPartition partition = new TopicPartition(range.getTopic(), range.getPartition());
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(config(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.assign(List.of(partition));
        consumer.seek(partition, range.getStart());
        while (consumer.position(partition) < range.getEnd()) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
          Instant now = Instant.now();
          for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
            if (record.offset() >= range.getEnd()) {
              return;
            }
            out.outputWithTimestamp(
                toSourceRecord(record),
                timestampFn.timestampOf(record.value(), record.timestamp(), now));
          }
        }
      }
    }

    private Map<String, Object> config() {
      Map<String, Object> config = new java.util.HashMap<>(KafkaConfig.publicPart(consumerConfig));
      config.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: nothing committed
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
      config.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 << 20));
      config.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
      return KafkaConfig.withSecrets(config, KafkaConfig.secretPart(consumerConfig));
    }
  }

  static SourceRecord toSourceRecord(ConsumerRecord<byte[], byte[]> record) {
    @Nullable byte[] key = record.key();
    return SourceRecord.create(
        record.topic(),
        record.partition(),
        record.offset(),
        new Instant(record.timestamp()),
        key,
        record.value(),
        ReadKafkaRecords.headers(record.headers()));
  }
}
