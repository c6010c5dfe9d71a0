package dev.streamy.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records a bounded read of N takes: per partition, from its beginning, a quota levelled as
 * streamy's bounded read levels it (no partition asked for more than it holds unless the whole
 * topic holds fewer than N), so the baseline reads the same records the pipeline does.
 */
final class ReadPlan {

  private final Map<TopicPartition, Long> start;
  private final Map<TopicPartition, Long> quotas;

  private ReadPlan(Map<TopicPartition, Long> start, Map<TopicPartition, Long> quotas) {
    this.start = start;
    this.quotas = quotas;
  }

  /** The plan for reading {@code total} records of {@code topic} from the beginning. */
  static ReadPlan of(Consumer<?, ?> consumer, String topic, long total) {
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(topic)
        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    if (partitions.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " has no partitions");
    }
    partitions.sort(Comparator.comparingInt(TopicPartition::partition));
    Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> available = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) {
      available.put(tp, Math.max(0, end.get(tp) - start.get(tp)));
    }
    return new ReadPlan(start, quotas(available, total));
  }

  /**
   * Quotas summing to {@code total}: the smallest partitions first, each taking at most its fair
   * share of what is left; a shortfall (the topic holds fewer than asked for) is spread evenly.
   */
  static Map<TopicPartition, Long> quotas(Map<TopicPartition, Long> available, long total) {
    List<TopicPartition> bySize = new ArrayList<>(available.keySet());
    bySize.sort(
        Comparator.comparingLong((TopicPartition tp) -> available.get(tp))
            .thenComparingInt(TopicPartition::partition));
    long held = available.values().stream().mapToLong(Long::longValue).sum();
    long remaining = Math.min(total, held);
    Map<TopicPartition, Long> quotas = new HashMap<>();
    for (int i = 0; i < bySize.size(); i++) {
      TopicPartition tp = bySize.get(i);
      long quota = Math.min(available.get(tp), ceilDiv(remaining, bySize.size() - i));
      quotas.put(tp, quota);
      remaining -= quota;
    }
    long shortfall = total - Math.min(total, held);
    List<TopicPartition> ordered = new ArrayList<>(available.keySet());
    ordered.sort(Comparator.comparingInt(TopicPartition::partition));
    for (int i = 0; i < ordered.size() && shortfall > 0; i++) {
      long extra = ceilDiv(shortfall, ordered.size() - i);
      quotas.merge(ordered.get(i), extra, Long::sum);
      shortfall -= extra;
    }
    Map<TopicPartition, Long> inOrder = new LinkedHashMap<>();
    ordered.forEach(tp -> inOrder.put(tp, quotas.get(tp)));
    return inOrder;
  }

  /** The partitions in ascending order, so the first copy of an event read is the lowest one. */
  List<TopicPartition> partitions() {
    return new ArrayList<>(quotas.keySet());
  }

  long start(TopicPartition partition) {
    return start.get(partition);
  }

  long quota(TopicPartition partition) {
    return quotas.get(partition);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
