package dev.streamy.runners;

import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a running ingest is behind its input topic, for its progress line, through Kafka's Admin
 * API: the records the topic holds past where this run started (the consumer group's committed
 * offsets, else the log start, as the read itself starts) less those the run has read; and, with a
 * consumer group, the group's own lag (log end offsets less committed offsets), which is what
 * {@code streamy topics --consumerGroup} and Kafka's tools show.
 */
final class InputLag implements AutoCloseable {

  private static final long TIMEOUT_SECONDS = 5;

  private final Admin admin;
  private final String topic;
  private final @Nullable String group;
  private final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
  private final long started;
  private long end = -1;

  private InputLag(Settings settings) throws Exception {
    this.admin =
        Admin.create(
            Preflight.adminConfig(settings.getBootstrapServers(), settings.getKafkaConfig()));
    this.topic = settings.getInputTopic();
    this.group = settings.getConsumerGroup();
    try {
      TopicDescription description =
          admin
              .describeTopics(java.util.List.of(topic))
              .allTopicNames()
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .get(topic);
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      description
          .partitions()
          .forEach(
              p -> {
                TopicPartition partition = new TopicPartition(topic, p.partition());
                latest.put(partition, OffsetSpec.latest());
                earliest.put(partition, OffsetSpec.earliest());
              });
      Map<TopicPartition, Long> starts = offsets(earliest);
      committed().forEach(starts::put);
      this.started = starts.values().stream().mapToLong(Long::longValue).sum();
    } catch (Exception e) {
      admin.close();
      throw e;
    }
  }

  /** The lag of {@code settings}' input topic, or null when the broker cannot say now. */
  static @Nullable InputLag of(Settings settings) {
    try {
      return new InputLag(settings);
    } catch (Exception e) {
      return null;
    }
  }

  /** Asks the broker for the log end offsets again; {@link #behind} uses the last answer. */
  void refresh() {
    try {
      end = offsets(latest).values().stream().mapToLong(Long::longValue).sum();
    } catch (Exception e) {
      end = -1;
    }
  }

  /**
   * Records in the topic this run has not read yet, after {@code read}, at the log end offsets of
   * the last {@link #refresh}; -1 if the broker could not say.
   */
  long behind(long read) {
    return end < 0 ? -1 : Math.max(0, end - started - read);
  }

  /**
   * The consumer group's lag (log end less committed, summed); -1 without a group or if unknown.
   */
  long groupLag() {
    if (group == null) {
      return -1;
    }
    try {
      Map<TopicPartition, Long> ends = offsets(latest);
      Map<TopicPartition, Long> committed = committed();
      long lag = 0;
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        lag += end.getValue() - committed.getOrDefault(end.getKey(), 0L);
      }
      return Math.max(0, lag);
    } catch (Exception e) {
      return -1;
    }
  }

  private Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetSpec> specs)
      throws Exception {
    Map<TopicPartition, Long> out = new HashMap<>();
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos =
        admin.listOffsets(specs).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    infos.forEach((partition, info) -> out.put(partition, info.offset()));
    return out;
  }

  private Map<TopicPartition, Long> committed() throws Exception {
    Map<TopicPartition, Long> out = new HashMap<>();
    if (group == null) {
      return out;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    offsets.forEach(
        (partition, offset) -> {
          if (offset != null && partition.topic().equals(topic)) {
            out.put(partition, offset.offset());
          }
        });
    return out;
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
