package dev.streamy.generator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The generator's topic, through Kafka's admin client: created when missing (with room for
 * oversized records), every partition's leader ready, and whether it takes values over 1 MiB.
 */
final class Topics {

  /** {@code max.message.bytes} of a topic the generator creates: room for oversized records. */
  static final int TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /** What Kafka adds to a value in a record batch, at most, for the size checks. */
  static final int RECORD_OVERHEAD_BYTES = 4 * 1024;

  private static final long ADMIN_TIMEOUT_SECONDS = 60;

  private Topics() {}

  /**
   * Creates the topic if it does not exist and tells whether it accepts values over 1 MiB. The
   * producer is never sent a record the broker would refuse: a refused batch would fail the run.
   *
   * @param clientConfig the user's Kafka client settings; only the admin client's keys are used
   */
  static boolean prepare(
      String bootstrapServers, Map<String, String> clientConfig, String topic, int partitions) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamy-generator-admin");
    // Security settings apply to the admin client too; producer-only keys would only log warnings.
    clientConfig.forEach(
        (k, v) -> {
          if (AdminClientConfig.configNames().contains(k)) {
            props.put(k, v);
          }
        });
    try (Admin admin = Admin.create(props)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_SECONDS);
      boolean exists =
          admin.listTopics().names().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).contains(topic);
      boolean createdWithRoom = !exists && create(admin, topic, partitions);
      awaitLeaders(admin, topic, deadline);
      return createdWithRoom || takesOversized(admin, topic);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Whether an existing topic's {@code max.message.bytes} has room for an oversized record. */
  private static boolean takesOversized(Admin admin, String topic)
      throws InterruptedException, TimeoutException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Config config =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .get(resource);
      ConfigEntry maxBytes =
          config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      return maxBytes != null
          && maxBytes.value() != null
          && Long.parseLong(maxBytes.value())
              >= EventFactory.OVERSIZED_BYTES + RECORD_OVERHEAD_BYTES;
    } catch (ExecutionException | NumberFormatException e) {
      // Not allowed to read topic configs (ACLs, managed clusters): play safe.
      return false;
    }
  }

  /**
   * Waits until the leader of every partition serves it. Producing to a partition the broker has
   * not taken up yet fails the first batch with NOT_LEADER_OR_FOLLOWER; an idempotent producer with
   * later batches in flight can then spin on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery
   * timeout (KAFKA-15591). A ListOffsets answer comes from the leader itself, so it proves the
   * partition is ready.
   */
  private static void awaitLeaders(Admin admin, String topic, long deadline)
      throws InterruptedException, TimeoutException, ExecutionException {
    while (true) {
      try {
        TopicDescription description =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        description
            .partitions()
            .forEach(
                p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw e;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException("the partitions of topic " + topic + " did not get a leader");
      }
      // Metadata of a just-created topic takes a moment to spread: poll until the deadline.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** Creates the topic; true when it got room for oversized records, false otherwise. */
  private static boolean create(Admin admin, String topic, int partitions)
      throws InterruptedException, TimeoutException, ExecutionException {
    NewTopic withRoom =
        new NewTopic(topic, Optional.of(partitions), Optional.empty())
            .configs(
                Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(TOPIC_MAX_MESSAGE_BYTES)));
    try {
      admin.createTopics(List.of(withRoom)).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      System.out.println(
          "generate: created topic " + topic + " with " + partitions + " partitions");
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false; // someone else created it meanwhile: its configs decide
      }
    }
    // Some managed clusters refuse topic configs: fall back to the broker's defaults.
    NewTopic plain = new NewTopic(topic, Optional.of(partitions), Optional.empty());
    try {
      admin.createTopics(List.of(plain)).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      System.out.println(
          "generate: created topic "
              + topic
              + " with "
              + partitions
              + " partitions (default configs)");
    } catch (ExecutionException again) {
      if (!(again.getCause() instanceof TopicExistsException)) {
        throw again;
      }
    }
    return false;
  }
}
