package dev.streamy.io;

import com.google.auto.value.AutoValue;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.SourceRecord;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * Reads partitions' offsets {@code [start, end)}, any number of ranges per partition, each
 * partition with one plain consumer, as a bounded read: the records of a bounded run ({@link
 * ReadKafkaRecords#withMaxRecords}) or of a backfill ({@link ReadKafkaRecords#withRanges}). The
 * ranges are spread over the workers first (a rebalance on Flink), so partitions are read in
 * parallel, and each worker's records go on to the next steps without being encoded in between (one
 * read per partition, flattened, would be a union that Flink cannot chain to its consumer). Beam's
 * bounded wrapper of an unbounded source polls through a reader built for streaming (checkpoint
 * marks, watermarks, a backoff that can wait on a partition for good); a known range needs none of
 * that.
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

  /** Offsets to a range's start beyond which the read seeks rather than reads through. */
  static final long SEEK_AHEAD = 1_000;

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
        .apply(
            "Ranges",
            Create.of(PartitionRead.of(getRanges()))
                .withCoder(SerializableCoder.of(PartitionRead.class)))
        .apply("SpreadRanges", Reshuffle.viaRandomKey())
        .apply(
            "Read",
            ParDo.of(new ReadRangeFn(getBootstrapServers(), getConsumerConfig(), getTimestampFn())))
        .setCoder(SourceRecord.coder());
  }

  /**
   * The ranges of one partition to read with one consumer, in offset order: a backfill's ranges are
   * what its target does not hold yet, often many small gaps in one partition.
   */
  static final class PartitionRead implements Serializable {
    private static final long serialVersionUID = 1L;

    final String topic;
    final int partition;
    final long[] starts;
    final long[] ends;

    private PartitionRead(String topic, int partition, long[] starts, long[] ends) {
      this.topic = topic;
      this.partition = partition;
      this.starts = starts;
      this.ends = ends;
    }

    /** One read per topic-partition of the non-empty {@code ranges}, each sorted and disjoint. */
    static List<PartitionRead> of(List<OffsetRange> ranges) {
      Map<String, List<OffsetRange>> byPartition = new TreeMap<>();
      for (OffsetRange range : ranges) {
        if (range.size() > 0) {
          byPartition
              .computeIfAbsent(
                  range.getTopic() + "/" + range.getPartition(), k -> new ArrayList<>())
              .add(range);
        }
      }
      List<PartitionRead> reads = new ArrayList<>();
      for (List<OffsetRange> sorted : byPartition.values()) {
        sorted.sort(Comparator.comparingLong(OffsetRange::getStart));
        long[] starts = new long[sorted.size()];
        long[] ends = new long[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
          starts[i] = sorted.get(i).getStart();
          ends[i] = sorted.get(i).getEnd();
          if (i > 0 && starts[i] < ends[i - 1]) {
            throw new IllegalArgumentException("overlapping offset ranges: " + sorted);
          }
        }
        OffsetRange first = sorted.get(0);
        reads.add(new PartitionRead(first.getTopic(), first.getPartition(), starts, ends));
      }
      return reads;
    }
  }

  private static final class ReadRangeFn extends DoFn<PartitionRead, SourceRecord> {
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

    /**
     * Reads the ranges in order with one consumer. It seeks to a range's start only when that is
     * far ahead of its position; a short stretch between two ranges is read and left out, which
     * costs less than dropping the fetched records with a seek.
     */
    @ProcessElement
    public void process(@Element PartitionRead read, OutputReceiver<SourceRecord> out) {
      TopicPartition partition = new TopicPartition(read.topic, read.partition);
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(config(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.assign(List.of(partition));
        consumer.seek(partition, read.starts[0]);
        int next = 0; // the first range not read to its end yet
        while (true) {
          long position = consumer.position(partition);
          while (next < read.ends.length && position >= read.ends[next]) {
            next++;
          }
          if (next == read.ends.length) {
            return;
          }
          if (read.starts[next] - position > SEEK_AHEAD) {
            consumer.seek(partition, read.starts[next]);
            continue;
          }
          ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
          Instant now = Instant.now();
          int range = next;
          for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
            while (range < read.ends.length && record.offset() >= read.ends[range]) {
              range++;
            }
            if (range == read.ends.length) {
              return;
            }
            if (record.offset() >= read.starts[range]) {
              out.outputWithTimestamp(
                  toSourceRecord(record),
                  timestampFn.timestampOf(record.value(), record.timestamp(), now));
            }
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
