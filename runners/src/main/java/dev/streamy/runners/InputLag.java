package dev.streamy.runners;

import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.kafka.clients.admin.Admin;

/**
 * How far a running ingest is behind its input topic, for its progress line, through Kafka's Admin
 * API and the partition states {@code streamy topics} shows ({@link TopicsCommand#partitions}): the
 * records the topic holds past where this run started (the consumer group's committed offsets, else
 * the log start, as the read itself starts) less those the run has read; and the group's own lag,
 * as {@code streamy topics --consumerGroup} shows it.
 */
final class InputLag implements AutoCloseable {

  private final Admin admin;
  private final String topic;
  private final String group;
  private final long started;
  private long end = -1;

  private InputLag(Settings settings, String group) throws Exception {
    this.admin =
        Admin.create(
            Preflight.adminConfig(settings.getBootstrapServers(), settings.getKafkaConfig()));
    this.topic = settings.getInputTopic();
    this.group = group;
    try {
      long sum = 0;
      for (TopicsCommand.PartitionState state : partitions()) {
        sum += state.committed() == null ? state.earliest() : state.committed();
      }
      this.started = sum;
    } catch (Exception e) {
      admin.close();
      throw e;
    }
  }

  /**
   * The lag of {@code settings}' input topic for its consumer group; null without a group, or when
   * the broker cannot say now.
   */
  static @Nullable InputLag of(Settings settings) {
    if (settings.getConsumerGroup() == null) {
      return null;
    }
    try {
      return new InputLag(settings, settings.getConsumerGroup());
    } catch (Exception e) {
      return null;
    }
  }

  /** Asks the broker for the log end offsets again; {@link #behind} uses the last answer. */
  void refresh() {
    try {
      end = partitions().stream().mapToLong(TopicsCommand.PartitionState::latest).sum();
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

  /** The consumer group's lag ({@link TopicsCommand.PartitionState#lag}, summed); -1 if unknown. */
  long groupLag() {
    try {
      return partitions().stream().mapToLong(TopicsCommand.PartitionState::lag).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  private List<TopicsCommand.PartitionState> partitions() throws Exception {
    return TopicsCommand.partitions(admin, List.of(topic), group);
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
