package dev.streamy.io;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Splits a bounded run's record count over a topic's partitions. An even split would make a
 * partition with fewer records than its share wait forever while another still has records (keyed
 * topics are rarely even), so each partition gets a quota it can fill: shares are levelled over
 * what each partition holds between its start (the group's committed offset, else the beginning)
 * and its end offset. Only when the topic holds fewer records than asked for do quotas exceed what
 * is there, spread evenly, and the run waits for new records.
 */
final class PartitionQuotas {

  private PartitionQuotas() {}

  /**
   * Quotas summing to {@code total}: levelled fairly, never above a partition's {@code available}
   * records unless all of them together hold fewer than {@code total}.
   */
  static Map<TopicPartition, Long> allocate(Map<TopicPartition, Long> available, long total) {
    if (total <= 0 || available.isEmpty()) {
      throw new IllegalArgumentException("Need a positive total and at least one partition");
    }
    List<TopicPartition> bySize = new ArrayList<>(available.keySet());
    bySize.sort(
        Comparator.comparingLong((TopicPartition tp) -> available.get(tp))
            .thenComparing(TopicPartition::partition));
    long held = available.values().stream().mapToLong(Long::longValue).sum();
    Map<TopicPartition, Long> quotas = new HashMap<>();
    long remaining = Math.min(total, held);
    for (int i = 0; i < bySize.size(); i++) {
      TopicPartition tp = bySize.get(i);
      long share = ceilDiv(remaining, bySize.size() - i);
      long quota = Math.min(available.get(tp), share);
      quotas.put(tp, quota);
      remaining -= quota;
    }
    long deficit = total - Math.min(total, held);
    List<TopicPartition> ordered = new ArrayList<>(available.keySet());
    ordered.sort(Comparator.comparingInt(TopicPartition::partition));
    for (int i = 0; i < ordered.size() && deficit > 0; i++) {
      long extra = ceilDiv(deficit, ordered.size() - i);
      quotas.merge(ordered.get(i), extra, Long::sum);
      deficit -= extra;
    }
    Map<TopicPartition, Long> inOrder = new LinkedHashMap<>();
    ordered.forEach(tp -> inOrder.put(tp, quotas.get(tp)));
    return inOrder;
  }

  /**
   * Where a read of each partition of {@code topic} starts: the group's committed offset when
   * {@code useCommitted} and there is one, else the partition's beginning.
   */
  static Map<TopicPartition, Long> starts(
      Consumer<byte[], byte[]> consumer, String topic, boolean useCommitted) {
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(topic)
        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    if (partitions.isEmpty()) {
      throw new IllegalStateException("Topic " + topic + " has no partitions");
    }
    partitions.sort(Comparator.comparingInt(TopicPartition::partition));
    Map<TopicPartition, Long> start = new LinkedHashMap<>();
    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
    partitions.forEach(tp -> start.put(tp, beginning.get(tp)));
    if (useCommitted) {
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
      committed.forEach(
          (tp, offset) -> {
            if (offset != null) {
              start.put(tp, Math.max(start.get(tp), offset.offset()));
            }
          });
    }
    return start;
  }

  /** The records each partition holds from its {@code starts} offset to its end offset now. */
  static Map<TopicPartition, Long> available(
      Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> starts) {
    Map<TopicPartition, Long> end = consumer.endOffsets(starts.keySet());
    Map<TopicPartition, Long> available = new LinkedHashMap<>();
    starts.forEach((tp, start) -> available.put(tp, Math.max(0, end.get(tp) - start)));
    return available;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
