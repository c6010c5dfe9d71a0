package dev.streamy.io;

import dev.streamy.options.KafkaConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Turns a backfill's start and end ({@link KafkaPosition}s) into one offset range {@code [start,
 * end)} per partition, against the topic as it is when the run starts:
 *
 * <ul>
 *   <li>Partitions: those the offsets name (start and end offsets must name the same ones), else
 *       every partition of the topic.
 *   <li>No start: the partition's log start. No end: its log end offset now, so a backfill never
 *       waits for records produced after it started.
 *   <li>Offsets must lie in the log, {@code [log start, log end]}: the error names the partition
 *       and that range. An end offset is exclusive.
 *   <li>A time becomes, per partition, the first offset whose Kafka record timestamp is at or after
 *       it ({@code offsetsForTimes}); no such record means the log end. So an end time is exclusive
 *       too, and a start time after the last record reads nothing there. Record timestamps are the
 *       producer's (CreateTime) or the broker's (LogAppendTime), not the event time in the payload.
 * </ul>
 */
public final class BackfillRanges {

  private BackfillRanges() {}

  /** The ranges of {@code topic} at {@code bootstrapServers}; a null start or end is the log's. */
  public static List<OffsetRange> resolve(
      String bootstrapServers,
      Map<String, String> consumerConfig,
      String topic,
      @Nullable KafkaPosition start,
      @Nullable KafkaPosition end) {
    Map<String, Object> config = new HashMap<>(KafkaConfig.publicPart(consumerConfig));
    config.remove(ConsumerConfig.GROUP_ID_CONFIG); // a backfill reads without the group
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            KafkaConfig.withSecrets(config, KafkaConfig.secretPart(consumerConfig)),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      return resolve(consumer, topic, start, end);
    }
  }

  /**
   * {@code ranges}, each started earlier by {@code lookback} of Kafka record time: from the first
   * offset whose record timestamp is at or after that of the record at the range's start, minus
   * {@code lookback}. A backfill compares its events' ids with the events landed there, as the
   * stream's deduplication remembered ids for its window: a re-sent event (same key, so same
   * partition) whose first copy came shortly before the range is still found.
   */
  public static List<OffsetRange> withLookback(
      String bootstrapServers,
      Map<String, String> consumerConfig,
      List<OffsetRange> ranges,
      java.time.Duration lookback) {
    Map<String, Object> config = new HashMap<>(KafkaConfig.publicPart(consumerConfig));
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    List<OffsetRange> extended = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            KafkaConfig.withSecrets(config, KafkaConfig.secretPart(consumerConfig)),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      for (OffsetRange range : ranges) {
        TopicPartition partition = new TopicPartition(range.getTopic(), range.getPartition());
        Long first = range.size() == 0 ? null : timestampAt(consumer, partition, range.getStart());
        long start = range.getStart();
        if (first != null) {
          OffsetAndTimestamp earlier =
              consumer
                  .offsetsForTimes(Map.of(partition, Math.max(0, first - lookback.toMillis())))
                  .get(partition);
          if (earlier != null) {
            start = Math.min(start, earlier.offset());
          }
        }
        extended.add(OffsetRange.of(range.getTopic(), range.getPartition(), start, range.getEnd()));
      }
    }
    return extended;
  }

  /** The timestamp of the first record at or after {@code offset}, or null within 10 s. */
  private static @Nullable Long timestampAt(
      Consumer<byte[], byte[]> consumer, TopicPartition partition, long offset) {
    consumer.assign(List.of(partition));
    consumer.seek(partition, offset);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (var record : consumer.poll(java.time.Duration.ofMillis(200)).records(partition)) {
        return record.timestamp();
      }
    }
    return null;
  }

  static List<OffsetRange> resolve(
      Consumer<byte[], byte[]> consumer,
      String topic,
      @Nullable KafkaPosition start,
      @Nullable KafkaPosition end) {
    Set<Integer> existing = new TreeSet<>();
    List<PartitionInfo> infos = consumer.partitionsFor(topic);
    if (infos != null) {
      infos.forEach(info -> existing.add(info.partition()));
    }
    if (existing.isEmpty()) {
      throw new IllegalArgumentException("--inputTopic=" + topic + ": the topic has no partitions");
    }
    Set<Integer> partitions = partitions(start, end, existing, topic);
    List<TopicPartition> assigned = new ArrayList<>();
    partitions.forEach(p -> assigned.add(new TopicPartition(topic, p)));
    Map<TopicPartition, Long> logStarts = consumer.beginningOffsets(assigned);
    Map<TopicPartition, Long> logEnds = consumer.endOffsets(assigned);
    Map<TopicPartition, Long> starts = offsets(consumer, start, assigned, logStarts, logEnds);
    Map<TopicPartition, Long> ends = offsets(consumer, end, assigned, logEnds, logEnds);
    List<OffsetRange> ranges = new ArrayList<>();
    for (TopicPartition partition : assigned) {
      long from = starts.get(partition);
      long to = ends.get(partition);
      if (to < from) {
        if (start != null && !start.isTime() || end != null && !end.isTime()) {
          throw new IllegalArgumentException(
              (end == null ? "--endOffsets" : end.getOption())
                  + ": partition "
                  + partition.partition()
                  + " ends at "
                  + to
                  + ", before its start "
                  + from);
        }
        to = from; // two times that resolve the wrong way round: nothing lies between them
      }
      ranges.add(OffsetRange.of(topic, partition.partition(), from, to));
    }
    return ranges;
  }

  /** The partitions a backfill reads: exactly those its offsets name, else all of them. */
  private static Set<Integer> partitions(
      @Nullable KafkaPosition start,
      @Nullable KafkaPosition end,
      Set<Integer> existing,
      String topic) {
    Map<Integer, Long> startOffsets = start == null ? null : start.getOffsets();
    Map<Integer, Long> endOffsets = end == null ? null : end.getOffsets();
    if (startOffsets != null
        && endOffsets != null
        && !startOffsets.keySet().equals(endOffsets.keySet())) {
      throw new IllegalArgumentException(
          start.getOption()
              + " and "
              + end.getOption()
              + " must name the same partitions: "
              + new TreeSet<>(startOffsets.keySet())
              + " and "
              + new TreeSet<>(endOffsets.keySet()));
    }
    Map<Integer, Long> named = startOffsets != null ? startOffsets : endOffsets;
    if (named == null) {
      return existing;
    }
    for (int partition : named.keySet()) {
      if (!existing.contains(partition)) {
        throw new IllegalArgumentException(
            (startOffsets != null ? start : end).getOption()
                + ": topic "
                + topic
                + " has no partition "
                + partition
                + " (it has "
                + existing
                + ")");
      }
    }
    return new TreeSet<>(named.keySet());
  }

  /** Each partition's offset at {@code position}, else at {@code absent} (log start or end). */
  private static Map<TopicPartition, Long> offsets(
      Consumer<byte[], byte[]> consumer,
      @Nullable KafkaPosition position,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> absent,
      Map<TopicPartition, Long> logEnds) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    if (position == null) {
      partitions.forEach(p -> offsets.put(p, absent.get(p)));
    } else if (position.isTime()) {
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, position.getTimeMillis()));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
      for (TopicPartition p : partitions) {
        OffsetAndTimestamp at = found.get(p);
        offsets.put(p, at == null ? logEnds.get(p) : at.offset());
      }
    } else {
      Map<TopicPartition, Long> logStarts = consumer.beginningOffsets(partitions);
      for (TopicPartition p : partitions) {
        long offset = position.getOffsets().get(p.partition());
        if (offset < logStarts.get(p) || offset > logEnds.get(p)) {
          throw new IllegalArgumentException(
              position.getOption()
                  + ": offset "
                  + offset
                  + " of partition "
                  + p.partition()
                  + " is outside the log, whose offsets are ["
                  + logStarts.get(p)
                  + ", "
                  + logEnds.get(p)
                  + "] now");
        }
        offsets.put(p, offset);
      }
    }
    return offsets;
  }
}
